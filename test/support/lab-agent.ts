/** Scrapes of the agent in the lab guest, and the guest kernel's counters to hold them against. */
import { parseExposition, type Sample, total } from "../../agent/exposition.js";
import { agentUrl } from "../../lab/agent.js";
import type { Lab } from "../../lab/lab.js";
import { ping, udpBurst } from "../../lab/scenarios.js";
import { members, seedTopology } from "../../lab/topology.js";

export const memberNames = members(seedTopology).map(({ member }) => member.name);
/** Every device the agent hooks in the seed topology: the VRFs and their members. */
export const watchedDevices = [...seedTopology.vrfs.map((vrf) => vrf.name), ...memberNames];

export const delta = (a: Sample[], b: Sample[], name: string, labels: Record<string, string>) =>
  total(b, name, labels) - total(a, name, labels);

export async function scrape(lab: Lab): Promise<Sample[]> {
  const response = await fetch(agentUrl(lab));
  if (!response.ok) throw new Error(`scrape answered ${response.status}`);
  return parseExposition(await response.text());
}

/** The guest kernel's packet and byte counters of some interfaces, from sysfs. */
export async function kernelCounters(lab: Lab, names: string[]): Promise<Record<string, number[]>> {
  const script = names
    .map((n) => `cat /sys/class/net/${n}/statistics/{rx_packets,tx_packets,rx_bytes,tx_bytes} | tr '\\n' ' '; echo`)
    .join(";");
  const lines = (await lab.run(["bash", "-c", script])).trim().split("\n");
  return Object.fromEntries(names.map((n, i) => [n, (lines[i] ?? "").trim().split(" ").map(Number)]));
}

/**
 * A scrape and the kernel's counters as of one instant: the kernel's are read before and after
 * the scrape, and the pair is kept only when they did not move in between.
 */
export async function consistentScrape(
  lab: Lab,
  names: string[],
): Promise<{ samples: Sample[]; kernel: Record<string, number[]> }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const before = await kernelCounters(lab, names);
    const samples = await scrape(lab);
    const kernel = await kernelCounters(lab, names);
    if (JSON.stringify(before) === JSON.stringify(kernel)) return { samples, kernel };
  }
  throw new Error("the guest's counters never held still for a scrape");
}

/**
 * A known burst (150 UDP datagrams into red, 3 IPv6 pings from blue) with what the agent counted
 * per VRF beside what the VRF's members' kernel counters moved by, as [rx packets, tx packets,
 * rx bytes, tx bytes] each, keyed by VRF: the two must be equal.
 */
export async function burstCounts(
  lab: Lab,
): Promise<{ agent: Record<string, number[]>; kernel: Record<string, number[]>; redIpv4: number }> {
  const a = await consistentScrape(lab, memberNames);
  const sent = await udpBurst(lab, { from: "eth1", to: "10.2.1.2", count: 150 });
  const pinged = await ping(lab, { from: "eth3", family: "ipv6", count: 3 });
  if (sent.sent !== 150 || pinged.received !== 3) throw new Error("the burst did not go through");
  const b = await consistentScrape(lab, memberNames);
  const moved = (name: string, i: number) => (b.kernel[name]?.[i] ?? 0) - (a.kernel[name]?.[i] ?? 0);
  const families = [
    "vrf_receive_packets_total",
    "vrf_transmit_packets_total",
    "vrf_receive_bytes_total",
    "vrf_transmit_bytes_total",
  ];
  const agent: Record<string, number[]> = {};
  const kernel: Record<string, number[]> = {};
  for (const vrf of seedTopology.vrfs) {
    agent[vrf.name] = families.map((family) => delta(a.samples, b.samples, family, { vrf: vrf.name }));
    kernel[vrf.name] = [0, 1, 2, 3].map((i) => vrf.members.reduce((sum, m) => sum + moved(m.name, i), 0));
  }
  return {
    agent,
    kernel,
    redIpv4: delta(a.samples, b.samples, "vrf_receive_packets_total", { vrf: "red", family: "ipv4" }),
  };
}

/** How many tc filters of the agent's programs (vrf_*) sit on the seed topology's devices. */
export async function ourFilters(lab: Lab): Promise<number> {
  let count = 0;
  for (const dev of watchedDevices) {
    for (const direction of ["ingress", "egress"]) {
      const shown = await lab.exec(["tc", "-j", "filter", "show", "dev", dev, direction]);
      const filters = (shown.stdout.trim() ? JSON.parse(shown.stdout) : []) as {
        options?: { prog?: { name?: string } };
      }[];
      count += filters.filter((f) => f.options?.prog?.name?.startsWith("vrf_")).length;
    }
  }
  return count;
}
