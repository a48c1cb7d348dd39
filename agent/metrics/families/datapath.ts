/**
 * What the datapath counted: traffic per VRF and per interface, cross-VRF traffic, drops by
 * kernel reason, unreachable hits. Counters carry the kernel's totals since their slot was
 * assigned, read at scrape time; a slot nobody holds is not exported.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { type Direction, directions, families, type Traffic } from "../../datapath/layout.js";
import type { CollectorRuns } from "../collector.js";
import type { MetricSources } from "../sources.js";

const word: Record<Direction, string> = { rx: "receive", tx: "transmit" };

type CounterSet = Record<Direction, Record<"packets" | "bytes", Counter>>;

/** `collect`, when given, goes on the first counter: prom-client reads metrics in order. */
function trafficCounters(prefix: string, what: string, labelNames: string[], collect?: () => void): CounterSet {
  const make = (d: Direction, unit: "packets" | "bytes") =>
    new Counter({
      name: `${prefix}_${word[d]}_${unit}_total`,
      help: `${unit === "packets" ? "Packets" : "Bytes (Ethernet header included)"} ${d === "rx" ? "received" : "transmitted"} ${what}, by family (ipv4, ipv6, other).`,
      labelNames,
      registers: [],
      ...(collect && d === "rx" && unit === "packets" ? { collect } : {}),
    });
  return Object.fromEntries(
    directions.map((d) => [d, { packets: make(d, "packets"), bytes: make(d, "bytes") }]),
  ) as CounterSet;
}

function add(set: CounterSet, traffic: Traffic, labels: Record<string, string>): void {
  for (const d of directions) {
    for (const family of families) {
      set[d].packets.inc({ ...labels, family }, traffic.packets[d][family]);
      set[d].bytes.inc({ ...labels, family }, traffic.bytes[d][family]);
    }
  }
}

const all = (set: CounterSet) => directions.flatMap((d) => [set[d].packets, set[d].bytes]);

export function registerDatapath(registry: Registry, sources: MetricSources, runs: CollectorRuns): void {
  // The family is filled by the first metric's collect: one read of each map per scrape.
  const vrf = trafficCounters("vrf", "by the VRF's members", ["netns", "vrf", "family"], () => collect());
  const iface = trafficCounters("vrf_interface", "by an interface of a VRF (a member or the VRF device)", [
    "netns",
    "vrf",
    "interface",
    "family",
  ]);
  const crossPackets = new Counter({
    name: "vrf_cross_packets_total",
    help: "Packets that entered through src_vrf and left through a member of dst_vrf.",
    labelNames: ["netns", "src_vrf", "dst_vrf"],
    registers: [],
  });
  const crossBytes = new Counter({
    name: "vrf_cross_bytes_total",
    help: "Bytes that entered through src_vrf and left through a member of dst_vrf.",
    labelNames: ["netns", "src_vrf", "dst_vrf"],
    registers: [],
  });
  const crossExpected = new Gauge({
    name: "vrf_cross_expected",
    help: "1 for a cross-VRF pair the configuration declares expected, 0 for a pair seen but not declared.",
    labelNames: ["netns", "src_vrf", "dst_vrf"],
    registers: [],
  });
  const drops = new Counter({
    name: "vrf_drops_total",
    help: "Packets the kernel dropped on a VRF's interfaces, by the kernel's drop reason.",
    labelNames: ["netns", "vrf", "reason"],
    registers: [],
  });
  const unreachable = new Counter({
    name: "vrf_unreachable_hits_total",
    help: "Forwarded packets whose route lookup in the VRF ended on an unreachable, blackhole or prohibit route, or on none.",
    labelNames: ["netns", "vrf", "family", "route"],
    registers: [],
  });

  const metrics = [...all(vrf), ...all(iface), crossPackets, crossBytes, crossExpected, drops, unreachable];
  const reset = () => {
    for (const m of metrics) m.reset();
  };
  const collect = () =>
    runs.run("datapath", reset, () => {
      const datapath = sources.datapath;
      if (datapath === undefined) return;
      const netns = "";
      const vrfName = sources.slots("vrf");
      const vrfTraffic = datapath.vrfTraffic();
      for (const [slot, entry] of vrfName) {
        const traffic = vrfTraffic.at(slot);
        if (traffic) add(vrf, traffic, { netns, vrf: entry.name });
      }
      const ifaceTraffic = datapath.ifaceTraffic();
      for (const [slot, entry] of sources.slots("iface")) {
        const traffic = ifaceTraffic.at(slot);
        const owner = vrfName.get(entry.vrf)?.name;
        if (traffic && owner !== undefined) add(iface, traffic, { netns, vrf: owner, interface: entry.name });
      }
      const expected = new Set(sources.expectedCross.map((p) => `${p.from}\0${p.to}`));
      for (const pair of sources.expectedCross) crossExpected.set({ netns, src_vrf: pair.from, dst_vrf: pair.to }, 1);
      for (const c of datapath.cross()) {
        const src = vrfName.get(c.srcVrf)?.name;
        const dst = vrfName.get(c.dstVrf)?.name;
        if (src === undefined || dst === undefined) continue;
        const labels = { netns, src_vrf: src, dst_vrf: dst };
        crossPackets.inc(labels, c.packets);
        crossBytes.inc(labels, c.bytes);
        if (!expected.has(`${src}\0${dst}`)) crossExpected.set(labels, 0);
      }
      for (const d of datapath.drops()) {
        const name = vrfName.get(d.vrf)?.name;
        if (name !== undefined) drops.inc({ netns, vrf: name, reason: sources.dropReasonName(d.reason) }, d.count);
      }
      for (const u of datapath.unreachable()) {
        const name = vrfName.get(u.vrf)?.name;
        if (name !== undefined) unreachable.inc({ netns, vrf: name, family: u.family, route: u.route }, u.count);
      }
    });
  for (const m of metrics) registry.registerMetric(m);
}
