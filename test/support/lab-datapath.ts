/** The lab guest's datapath harness, driven from the host: start it, take snapshots, stop it. */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { HookStatus } from "../../agent/datapath/datapath.js";
import type { Traffic } from "../../agent/datapath/layout.js";
import type { Lab } from "../../lab/lab.js";

export interface Snapshot {
  vrf: Record<string, Traffic>;
  iface: Record<string, Traffic>;
  kernel: Record<string, { rx: { packets: number; bytes: number }; tx: { packets: number; bytes: number } }>;
  cross: { src: string; dst: string; packets: number; bytes: number }[];
  drops: { vrf: string; reason: string; count: number }[];
  unreachable: { vrf: string; family: string; route: string; count: number }[];
  errors: Record<string, number>;
}

async function waitForFile(path: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return readFile(path, "utf8");
    await sleep(100);
  }
  throw new Error(`${path} did not appear within ${timeoutMs / 1000} s`);
}

export interface HarnessOptions {
  /** Names the harness's files, pin root and guest process; harnesses alive together need their own. */
  name?: string;
  /** max_entries overrides by map name (see DatapathOptions). */
  maxEntries?: Record<string, number>;
}

export interface Harness {
  status: HookStatus[];
  modes: string[];
  /** The bpffs folder its maps are pinned in, inside the guest. */
  pinRoot: string;
  snapshot(): Promise<Snapshot>;
}

export async function startHarness(lab: Lab, options: HarnessOptions = {}): Promise<Harness> {
  const name = options.name ?? "datapath";
  const maxEntries = Object.entries(options.maxEntries ?? {}).map(([map, entries]) => `${map}=${entries}`);
  await lab.spawn(name, lab.node("datapath-harness", ["--name", name, "--max-entries", maxEntries.join(",")]));
  const ready = JSON.parse(await waitForFile(join(lab.outDir, `${name}-ready.json`))) as {
    status: HookStatus[];
    modes: string[];
    pid: number;
    pinRoot: string;
  };
  let taken = 0;
  return {
    status: ready.status,
    modes: ready.modes,
    pinRoot: ready.pinRoot,
    async snapshot() {
      await lab.run(["kill", "-USR1", String(ready.pid)]);
      return JSON.parse(await waitForFile(join(lab.outDir, `${name}-${++taken}.json`))) as Snapshot;
    },
  };
}

const sum = (t: Traffic["packets"]["rx"] | undefined) => (t ? t.ipv4 + t.ipv6 + t.other : 0);

/** Packets and bytes in both directions over all families, from a snapshot's traffic entry. */
export const totals = (t: Traffic | undefined) => ({
  rxPackets: sum(t?.packets.rx),
  txPackets: sum(t?.packets.tx),
  rxBytes: sum(t?.bytes.rx),
  txBytes: sum(t?.bytes.tx),
});
