/**
 * `vrf-agent cleanup`: removes what the agent made and nothing else: its pin folder (counters
 * and slots) and the legacy tc filters of its own programs. tcx links need no cleanup: they end
 * with the agent's process. Run it with the agent stopped.
 */
import { rm } from "node:fs/promises";
import { execa } from "execa";
import { removeLeftoverFilters } from "../datapath/leftover-filters.js";
import { Command, parseCommand, pinPathOption, usage } from "./options.js";

export async function runCleanupCommand(argv: string[]): Promise<number> {
  const program = pinPathOption(
    new Command("vrf-agent cleanup").description("Removes the agent's pinned maps and its leftover tc filters."),
  );
  const parsed = parseCommand<{ "bpf.pinPath": string }>(program, argv);
  if (!parsed.ok) return usage(parsed);
  const pinPath = parsed.options["bpf.pinPath"];
  if (!pinPath.startsWith("/sys/fs/bpf/") || pinPath.split("/").length < 5) {
    process.stderr.write(
      `vrf-agent cleanup: refusing to remove ${pinPath}: not a folder of its own under /sys/fs/bpf\n`,
    );
    return 2;
  }
  const links = JSON.parse((await execa("ip", ["-j", "link", "show"])).stdout) as { ifname: string }[];
  let filters = 0;
  for (const link of links) filters += await removeLeftoverFilters(link.ifname);
  await rm(pinPath, { recursive: true, force: true });
  process.stdout.write(`removed ${filters} tc filter(s) and ${pinPath}\n`);
  return 0;
}
