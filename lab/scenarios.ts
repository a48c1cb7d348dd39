/**
 * What tests do to the lab: build the topology, send traffic of known counts, leak a route
 * between VRFs, remove an unreachable default. Each returns a structured result.
 */

import { LabError } from "./errors.js";
import type { Lab } from "./lab.js";
import {
  defaultDestination,
  type Family,
  findMember,
  findVrf,
  flushBatch,
  host,
  type Member,
  mainBatch,
  members,
  peerBatch,
  peerNamespace,
  seedTopology,
  type Topology,
  teardownBatch,
  unreachableDefaultMetric,
} from "./topology.js";

/** Destinations no table in the lab routes (documentation ranges): traffic ends on unreachable routes. */
export const unroutedDestination: Record<Family, string> = { ipv4: "198.51.100.7", ipv6: "2001:db8::7" };

export async function applyTopology(lab: Lab, topology: Topology = seedTopology): Promise<void> {
  await lab.run(["ip", "-batch", "-"], { input: mainBatch(topology) });
  for (const { member } of members(topology)) {
    await lab.run(["ip", "-n", peerNamespace(member.name), "-batch", "-"], { input: peerBatch(member) });
  }
}

/** Back to the topology as built, whatever a test changed (routes, links, namespaces). */
export async function resetTopology(lab: Lab, topology: Topology = seedTopology): Promise<void> {
  await lab.exec(["ip", "-force", "-batch", "-"], { input: teardownBatch(topology) });
  for (const family of ["-4", "-6"])
    await lab.exec(["ip", family, "-force", "-batch", "-"], { input: flushBatch(topology) });
  await applyTopology(lab, topology);
}

const addressed = (name: string, topology: Topology) => {
  const { vrf, member } = findMember(topology, name);
  if (member.addresses === undefined || member.peer === undefined)
    throw new LabError(`member ${name} has no addresses`);
  return { vrf, member: member as Required<Member> };
};

/** Runs a command inside a member's peer namespace. */
const inPeer = (memberName: string, argv: readonly string[]) => [
  "ip",
  "netns",
  "exec",
  peerNamespace(memberName),
  ...argv,
];

export interface PingResult {
  transmitted: number;
  received: number;
}

export function parsePing(output: string): PingResult {
  const match = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output);
  if (match === null) throw new LabError(`no ping summary in: ${output.slice(-200)}`);
  return { transmitted: Number(match[1]), received: Number(match[2]) };
}

/** Pings from a member's peer to an address (by default the member's own, in the given family). */
export async function ping(
  lab: Lab,
  options: { from: string; to?: string; family?: Family; count: number; topology?: Topology },
): Promise<PingResult> {
  const { member } = addressed(options.from, options.topology ?? seedTopology);
  const family = options.family ?? "ipv4";
  const to = options.to ?? host(member.addresses[family]);
  const flag = family === "ipv4" ? "-4" : "-6";
  const result = await lab.exec(
    inPeer(options.from, ["ping", flag, "-n", "-q", "-c", String(options.count), "-i", "0.2", "-W", "2", to]),
    {
      timeoutMs: 10_000 + options.count * 1_000,
    },
  );
  return parsePing(result.stdout);
}

export interface BurstResult {
  sent: number;
  failed: number;
}

/** Sends `count` UDP datagrams of `size` bytes of payload from a member's peer to an address. */
export async function udpBurst(
  lab: Lab,
  options: { from: string; to: string; count: number; size?: number; port?: number },
): Promise<BurstResult> {
  const args = [options.to, String(options.port ?? 9), String(options.count), String(options.size ?? 64)];
  const stdout = await lab.run(inPeer(options.from, lab.node("udp-burst", args)), {
    timeoutMs: 60_000 + options.count * 100,
  });
  return JSON.parse(stdout) as BurstResult;
}

/** The route that leaks `from` into `to`: a host route in `from`'s table to a peer of `to`. */
function leakRoute(topology: Topology, from: string, to: string, family: Family): string[] {
  const source = findVrf(topology, from);
  const target = findVrf(topology, to).members.find((m) => m.peer !== undefined);
  if (target?.peer === undefined) throw new LabError(`VRF ${to} has no addressed member to leak into`);
  const prefix = family === "ipv4" ? "/32" : "/128";
  return ["vrf", source.name, `${host(target.peer[family])}${prefix}`, "dev", target.name];
}

export interface Leak {
  from: string;
  to: string;
  family: Family;
  /** The peer address in `to` that traffic from `from` now reaches. */
  destination: string;
}

/** Adds the leaking route; traffic from a peer of `from` to `destination` crosses into `to`. */
export async function addLeak(
  lab: Lab,
  options: { from: string; to: string; family?: Family; topology?: Topology },
): Promise<Leak> {
  const topology = options.topology ?? seedTopology;
  const family = options.family ?? "ipv4";
  const route = leakRoute(topology, options.from, options.to, family);
  await lab.run(["ip", family === "ipv4" ? "-4" : "-6", "route", "add", ...route]);
  return { from: options.from, to: options.to, family, destination: host(route[2] ?? "") };
}

export async function removeLeak(lab: Lab, leak: Leak, topology: Topology = seedTopology): Promise<void> {
  await lab.run([
    "ip",
    leak.family === "ipv4" ? "-4" : "-6",
    "route",
    "delete",
    ...leakRoute(topology, leak.from, leak.to, leak.family),
  ]);
}

/** Sends `count` datagrams from a peer of `vrf` to a destination its table does not route. */
export async function sendUnreachable(
  lab: Lab,
  options: { vrf: string; family?: Family; count: number; topology?: Topology },
): Promise<BurstResult> {
  const vrf = findVrf(options.topology ?? seedTopology, options.vrf);
  const source = vrf.members.find((m) => m.peer !== undefined);
  if (source === undefined) throw new LabError(`VRF ${vrf.name} has no addressed member to send from`);
  return udpBurst(lab, { from: source.name, to: unroutedDestination[options.family ?? "ipv4"], count: options.count });
}

/** Deletes a VRF's unreachable default: the misconfiguration the agent's audit must flag. */
export async function removeUnreachableDefault(lab: Lab, options: { vrf: string; family: Family }): Promise<void> {
  const family = options.family === "ipv4" ? "-4" : "-6";
  const destination = defaultDestination(options.family);
  await lab.run([
    "ip",
    family,
    "route",
    "delete",
    "vrf",
    options.vrf,
    "unreachable",
    destination,
    "metric",
    String(unreachableDefaultMetric),
  ]);
}

/** An endless UDP stream (udp-burst with count 0) from a member's peer, one datagram per interval. */
const udpStream = (lab: Lab, from: string, to: string, size: number, intervalMs: number) =>
  inPeer(from, lab.node("udp-burst", [to, "9", "0", String(size), String(intervalMs)]));

/** Starts a named UDP stream in the background; `lab.kill(name)` stops it. */
export async function startUdpStream(
  lab: Lab,
  options: { name: string; from: string; to: string; intervalMs: number; size?: number },
): Promise<void> {
  await lab.spawn(options.name, udpStream(lab, options.from, options.to, options.size ?? 100, options.intervalMs));
}

/**
 * Steady mixed traffic for `npm run lab`: pings in both families to every addressed member, a
 * UDP stream, and a trickle to an unrouted destination. Names are returned for stopping.
 */
export async function startSteadyTraffic(lab: Lab, topology: Topology = seedTopology): Promise<string[]> {
  const flows: [string, string[]][] = [];
  for (const { member } of members(topology)) {
    if (member.addresses === undefined) continue;
    flows.push(
      [`ping4-${member.name}`, inPeer(member.name, ["ping", "-4", "-q", "-i", "1", host(member.addresses.ipv4)])],
      [`ping6-${member.name}`, inPeer(member.name, ["ping", "-6", "-q", "-i", "2", host(member.addresses.ipv6)])],
    );
  }
  const [first] = members(topology).filter(
    ({ vrf, member }) => vrf.unreachableDefault && member.addresses !== undefined,
  );
  if (first?.member.addresses !== undefined) {
    const name = first.member.name;
    flows.push(
      [`udp-${name}`, udpStream(lab, name, host(first.member.addresses.ipv4), 512, 100)],
      [`unreachable-${name}`, inPeer(name, ["ping", "-4", "-q", "-i", "5", unroutedDestination.ipv4])],
    );
  }
  for (const [name, argv] of flows) await lab.spawn(name, argv);
  return flows.map(([name]) => name);
}
