/**
 * `vrf-agent cleanup`: removes what the agent made and nothing else: its pin folder (counters
 * and slots) and the legacy tc filters of its own programs. tcx links need no cleanup: they end
 * with the agent's process. Run it with the agent stopped.
 */
import { readdir, rm } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { execa } from "execa";
import { removeLeftoverFilters } from "../datapath/leftover-filters.js";
import { Command, parseCommand, pinPathOption, usage } from "./options.js";

const bpffs = "/sys/fs/bpf";
/** Maps every hook family pins: their presence marks a folder as the agent's. */
const ownMaps = ["ports_dense", "vrf_slots", "iface_slots"];

export async function runCleanupCommand(argv: string[]): Promise<number> {
  const program = pinPathOption(
    new Command("vrf-agent cleanup").description("Removes the agent's pinned maps and its leftover tc filters."),
  );
  const parsed = parseCommand<{ "bpf.pinPath": string }>(program, argv);
  if (!parsed.ok) return usage(parsed);
  const given = parsed.options["bpf.pinPath"];
  // Judged on the resolved path: a prefix test on the text would let "/sys/fs/bpf/../../etc"
  // through, and "/sys/fs/bpf/" (the whole bpffs, every other tool's pins with it) as well.
  const pinPath = resolve(given);
  const inside = relative(bpffs, pinPath);
  if (!isAbsolute(given) || inside === "" || inside === ".." || inside.startsWith(`..${sep}`)) {
    process.stderr.write(`vrf-agent cleanup: refusing to remove ${given}: not a folder of its own under ${bpffs}\n`);
    return 2;
  }
  // Only a folder holding the agent's own maps is removed: another tool's pins never are.
  const entries = await readdir(pinPath).catch(() => undefined);
  if (entries !== undefined && entries.length > 0 && !ownMaps.every((name) => entries.includes(name))) {
    process.stderr.write(`vrf-agent cleanup: refusing to remove ${given}: it does not hold vrf-agent's maps\n`);
    return 2;
  }
  const links = JSON.parse((await execa("ip", ["-j", "link", "show"])).stdout) as { ifname: string }[];
  let filters = 0;
  for (const link of links) filters += await removeLeftoverFilters(link.ifname);
  await rm(pinPath, { recursive: true, force: true });
  process.stdout.write(`removed ${filters} tc filter(s) and ${pinPath}\n`);
  return 0;
}
