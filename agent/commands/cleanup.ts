/**
 * `vrf-agent cleanup`: removes what the agent made and nothing else: the maps it pins (counters
 * and slots) and the legacy tc filters of its own programs; the pin folder goes when nothing else
 * is left in it. tcx links need no cleanup: they end with the agent's process. It refuses while an
 * agent holds the folder, since that agent would go on serving counters that count nothing.
 */
import { readdir, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { bpfObjectPath } from "../artifacts.js";
import { missingCapabilities } from "../capabilities.js";
import { hookFamilies } from "../datapath/datapath.js";
import { removeLeftoverFilters } from "../datapath/leftover-filters.js";
import { loadNative, type NativeAddon } from "../native.js";
import { OperatorError } from "../operator-error.js";
import { pinPathProblem, pinRootInUse } from "../pin-root.js";
import { Command, parseCommand, pinPathOption, usage } from "./options.js";

/** The names the agent's objects pin under a root: read from the objects, so none is forgotten. */
function ownPins(addon: NativeAddon): Set<string> {
  const names = new Set<string>();
  for (const family of hookFamilies) {
    const object = new addon.BpfObject(bpfObjectPath(family), { pinRoot: "/" });
    try {
      for (const name of object.pinnedMapNames()) names.add(name);
    } finally {
      object.close();
    }
  }
  return names;
}

export async function runCleanupCommand(argv: string[]): Promise<number> {
  const program = pinPathOption(
    new Command("vrf-agent cleanup").description("Removes the agent's pinned maps and its leftover tc filters."),
  );
  const parsed = parseCommand<{ "bpf.pinPath": string }>(program, argv);
  if (!parsed.ok) return usage(parsed);
  const pinPath = parsed.options["bpf.pinPath"];
  // Privileges first: without them even looking under bpffs fails (systemd mounts it 0700).
  const missing = await missingCapabilities(["CAP_NET_ADMIN", "CAP_SYS_ADMIN"]);
  if (missing.length > 0)
    throw new OperatorError(`needs ${missing.join(" and ")}: run it as root (sudo vrf-agent cleanup)`);
  const problem = await pinPathProblem(pinPath);
  if (problem !== undefined) throw new OperatorError(`refusing to remove ${pinPath}: ${problem}`, 2);
  const addon = loadNative();
  if (await pinRootInUse(addon, pinPath)) {
    throw new OperatorError(`a running vrf-agent holds ${pinPath}: stop it first (its counters would be lost)`);
  }

  const own = ownPins(addon);
  const entries = await readdir(pinPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const ours = entries.filter((name) => own.has(name));
  if (entries.length > 0 && ours.length === 0) {
    throw new OperatorError(`refusing to remove ${pinPath}: it holds none of vrf-agent's maps`, 2);
  }
  const links = JSON.parse((await execa("ip", ["-j", "link", "show"])).stdout) as { ifname: string }[];
  let filters = 0;
  for (const link of links) filters += await removeLeftoverFilters(link.ifname);
  for (const name of ours) await rm(join(pinPath, name));
  const left = entries.filter((name) => !own.has(name));
  if (entries.length > 0 && left.length === 0) await rmdir(pinPath);
  process.stdout.write(
    `removed ${filters} tc filter(s) and ${ours.length} pinned map(s)` +
      (left.length === 0
        ? `${entries.length > 0 ? ` with the folder ${pinPath}` : ""}\n`
        : `; kept ${pinPath}, which also holds what is not vrf-agent's: ${left.sort().join(", ")}\n`),
  );
  return 0;
}
