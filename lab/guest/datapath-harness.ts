/**
 * Runs the datapath inside the lab guest for the lab tier's tests, until SIGTERM: every VRF
 * device and member gets a port and tc hooks; each SIGUSR1 writes a snapshot of all counters,
 * with the kernel's own interface counters as of the same instant, to $LAB_OUT/<name>-<n>.json.
 *   datapath-harness.js [--name NAME] [--max-entries MAP=N,...]
 * NAME (default "datapath") names its files and its pin root, so two harnesses (one with small
 * maps, say) can run side by side, each with maps of its own.
 */
import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { bpfObjectsDir } from "../../agent/artifacts.js";
import { Datapath, type TcHooks } from "../../agent/datapath/datapath.js";
import { dropReasonName, dropReasonNames } from "../../agent/datapath/drop-reasons.js";
import { loadNative } from "../../agent/native.js";

interface IpLink {
  ifindex: number;
  ifname: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

const { values: args } = parseArgs({
  options: { name: { type: "string", default: "datapath" }, "max-entries": { type: "string", default: "" } },
});
const name = args.name;
const maxEntries = Object.fromEntries(
  args["max-entries"]
    .split(",")
    .filter(Boolean)
    .map((pair) => {
      const [map = "", entries = ""] = pair.split("=");
      return [map, Number(entries)];
    }),
);
const out = process.env.LAB_OUT ?? "/tmp";
const ipLinks = async (...args: string[]) =>
  JSON.parse((await execa("ip", ["-j", ...args, "link", "show"])).stdout) as IpLink[];

const addon = loadNative();
const pinRoot = `/sys/fs/bpf/vrf-agent-lab-${name}`;
const datapath = new Datapath(addon, {
  objectsDir: bpfObjectsDir,
  pinRoot,
  maxEntries,
});
datapath.start();
const reasons = dropReasonNames(addon);

const links = await ipLinks("-d");
const vrfNames = links.filter((l) => l.linkinfo?.info_kind === "vrf").map((l) => l.ifname);
const vrfSlot = new Map(vrfNames.sort().map((name, i) => [name, i + 1]));
const watched = links.filter((l) => vrfSlot.has(l.ifname) || (l.master && vrfSlot.has(l.master)));
const hooks: TcHooks[] = [];
for (const link of watched) {
  const master = vrfSlot.has(link.ifname);
  datapath.setPort(link.ifindex, {
    vrf: vrfSlot.get(master ? link.ifname : (link.master ?? "")) ?? 0,
    iface: link.ifindex,
    master,
  });
  hooks.push(datapath.attachTc(link.ifindex));
}

/** Written whole or not at all: the host polls for these files over 9p while they are written. */
async function publish(file: string, value: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(value));
  await rename(`${file}.tmp`, file);
}

const vrfOf = (slot: number) => [...vrfSlot].find(([, s]) => s === slot)?.[0] ?? `slot-${slot}`;
let snapshots = 0;
type Counters = Record<string, { rx: { packets: number; bytes: number }; tx: { packets: number; bytes: number } }>;

/** The kernel's own counters of the watched interfaces, from sysfs: microseconds, not a process. */
function kernelCounters(): Counters {
  const read = (name: string, counter: string) =>
    Number(readFileSync(`/sys/class/net/${name}/statistics/${counter}`, "utf8"));
  const of = (name: string) => ({
    rx: { packets: read(name, "rx_packets"), bytes: read(name, "rx_bytes") },
    tx: { packets: read(name, "tx_packets"), bytes: read(name, "tx_bytes") },
  });
  return Object.fromEntries(watched.map((l) => [l.ifname, of(l.ifname)]));
}

/**
 * The maps and the kernel's counters as of one instant: the kernel's are read before and after
 * the maps, and the reading is kept only if they did not move in between (a stray neighbour
 * solicitation would otherwise land in one and not the other).
 */
function consistentReading() {
  for (let attempt = 1; ; attempt++) {
    const before = kernelCounters();
    const vrfTraffic = datapath.vrfTraffic();
    const ifaceTraffic = datapath.ifaceTraffic();
    const kernel = kernelCounters();
    if (JSON.stringify(before) === JSON.stringify(kernel) || attempt === 50)
      return { vrfTraffic, ifaceTraffic, kernel };
  }
}

async function snapshot(): Promise<void> {
  const { vrfTraffic, ifaceTraffic, kernel } = consistentReading();
  const file = join(out, `${name}-${++snapshots}.json`);
  const body = {
    vrf: Object.fromEntries([...vrfSlot].map(([name, slot]) => [name, vrfTraffic.at(slot)])),
    iface: Object.fromEntries(watched.map((l) => [l.ifname, ifaceTraffic.at(l.ifindex)])),
    kernel,
    cross: datapath
      .cross()
      .map((c) => ({ src: vrfOf(c.srcVrf), dst: vrfOf(c.dstVrf), packets: c.packets, bytes: c.bytes })),
    drops: datapath
      .drops()
      .map((d) => ({ vrf: vrfOf(d.vrf), reason: dropReasonName(reasons, d.reason), count: d.count })),
    unreachable: datapath.unreachable().map((u) => ({ ...u, vrf: vrfOf(u.vrf) })),
    errors: datapath.errors(),
  };
  await publish(file, body);
}

process.on("SIGUSR1", () => void snapshot());
process.on("SIGTERM", () => {
  for (const h of hooks) {
    h.ingress.close();
    h.egress.close();
  }
  datapath.close();
  process.exit(0);
});
const modes = [...new Set(hooks.flatMap((h) => [h.ingress.kind, h.egress.kind]))];
await publish(join(out, `${name}-ready.json`), { status: datapath.status, modes, pid: process.pid, pinRoot });
setInterval(() => {}, 1 << 30);
