/** The kernel's own counters, read in the guest: what tests hold the lab's traffic against. */
import type { Lab } from "./lab.js";

/**
 * /proc/net/snmp and /proc/net/snmp6 of a namespace (the guest's main one when absent), as
 * one map keyed like nstat does: "UdpNoPorts", "Udp6NoPorts", "IcmpInDestUnreachs".
 */
export async function snmpCounters(lab: Lab, namespace?: string): Promise<Map<string, number>> {
  const prefix = namespace === undefined ? [] : ["ip", "netns", "exec", namespace];
  const text = await lab.run([...prefix, "cat", "/proc/net/snmp", "/proc/net/snmp6"]);
  return parseSnmp(text);
}

export function parseSnmp(text: string): Map<string, number> {
  const counters = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const table = /^(\w+): (.*)$/.exec(line);
    if (table) {
      // /proc/net/snmp: a line of names, then a line of values, both led by "Proto:".
      const values = (lines[++i] ?? "").split(" ").slice(1);
      for (const [k, name] of (table[2] ?? "").split(" ").entries())
        counters.set(`${table[1]}${name}`, Number(values[k]));
      continue;
    }
    const pair = /^(\w+)\s+(\d+)$/.exec(line); // /proc/net/snmp6: "Udp6NoPorts   3"
    if (pair) counters.set(pair[1] ?? "", Number(pair[2]));
  }
  return counters;
}

/** The change of every counter between two readings. */
export function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, value]) => [name, value - (before.get(name) ?? 0)]));
}
