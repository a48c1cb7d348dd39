/**
 * The lab's network: the seed example of VRFs (the kernel's VRF documentation uses the same
 * tables), as data. The guest is built from it and tests assert against it, so a change here
 * changes both at once.
 */

export type Family = "ipv4" | "ipv6";

export interface Addresses {
  ipv4: string;
  ipv6: string;
}

export interface Member {
  /** The VRF-side interface in the guest's main namespace. */
  name: string;
  /** Absent for a member that stays down with no addresses (eth5 in the seed). */
  addresses?: Addresses;
  /** The far end, in the peer namespace: the host on the other side of the wire. */
  peer?: Addresses;
}

export interface Vrf {
  name: string;
  table: number;
  /** Whether the table ends in `unreachable default` so lookups cannot fall through. */
  unreachableDefault: boolean;
  members: Member[];
}

export interface Topology {
  vrfs: Vrf[];
}

/** The metric the kernel's VRF documentation gives the unreachable default: the last before 2^32. */
export const unreachableDefaultMetric = 4278198272;

const member = (name: string, v4Net: string, v6Net: string): Member => ({
  name,
  addresses: { ipv4: `${v4Net}.2/24`, ipv6: `${v6Net}::2/120` },
  peer: { ipv4: `${v4Net}.1/24`, ipv6: `${v6Net}::1/120` },
});

export const seedTopology: Topology = {
  vrfs: [
    { name: "mgmt", table: 1, unreachableDefault: false, members: [member("eth0", "10.0.0", "2000:1")] },
    {
      name: "red",
      table: 10,
      unreachableDefault: true,
      members: [member("eth1", "10.2.1", "2002:1"), member("eth2", "10.2.2", "2002:2"), { name: "eth5" }],
    },
    { name: "blue", table: 66, unreachableDefault: true, members: [member("eth3", "10.2.3", "2002:3")] },
    { name: "green", table: 81, unreachableDefault: true, members: [member("eth4", "10.2.4", "2002:4")] },
  ],
};

/** The peer namespace of a member, and the peer's interface name inside it. */
export const peerNamespace = (memberName: string) => `peer-${memberName}`;
export const peerInterface = "peer";

/** An address without its prefix length. */
export const host = (cidr: string) => cidr.slice(0, cidr.indexOf("/"));

/** The default route's destination for a family, written so `ip -batch` infers the family. */
export const defaultDestination = (family: Family) => (family === "ipv4" ? "0.0.0.0/0" : "::/0");

/** `ip -batch` input for the guest's main namespace: VRFs, veth members, addresses, routes. */
export function mainBatch(topology: Topology): string {
  const lines: string[] = [];
  for (const vrf of topology.vrfs) {
    lines.push(`link add ${vrf.name} type vrf table ${vrf.table}`, `link set ${vrf.name} up`);
    for (const m of vrf.members) {
      lines.push(
        `netns add ${peerNamespace(m.name)}`,
        `link add ${m.name} type veth peer name ${peerInterface} netns ${peerNamespace(m.name)}`,
        // Enslave before addressing: enslaving cycles the link, which would drop IPv6 addresses.
        `link set ${m.name} master ${vrf.name}`,
      );
      if (m.addresses === undefined) continue;
      lines.push(
        `address add ${m.addresses.ipv4} dev ${m.name}`,
        `address add ${m.addresses.ipv6} dev ${m.name} nodad`,
        `link set ${m.name} up`,
      );
    }
    if (vrf.unreachableDefault) {
      for (const family of ["ipv4", "ipv6"] as const) {
        lines.push(
          `route add vrf ${vrf.name} unreachable ${defaultDestination(family)} metric ${unreachableDefaultMetric}`,
        );
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** `ip -n <peer namespace> -batch` input for one member's peer: its address and default routes. */
export function peerBatch(m: Member): string {
  const lines = ["link set lo up", `link set ${peerInterface} up`];
  if (m.addresses !== undefined && m.peer !== undefined) {
    lines.push(
      `address add ${m.peer.ipv4} dev ${peerInterface}`,
      `address add ${m.peer.ipv6} dev ${peerInterface} nodad`,
      `route add ${defaultDestination("ipv4")} via ${host(m.addresses.ipv4)}`,
      `route add ${defaultDestination("ipv6")} via ${host(m.addresses.ipv6)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `ip -force -batch` input that removes the topology's links; deleting a peer namespace deletes its veth. */
export function teardownBatch(topology: Topology): string {
  const lines: string[] = [];
  for (const vrf of topology.vrfs) {
    for (const m of vrf.members) lines.push(`netns delete ${peerNamespace(m.name)}`, `link delete ${m.name}`);
    lines.push(`link delete ${vrf.name}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `ip -4|-6 -force -batch` input that empties the VRF tables: deleting a VRF device leaves
 * routes not bound to its members (the unreachable default, on lo) in its table.
 */
export function flushBatch(topology: Topology): string {
  return `${topology.vrfs.map((vrf) => `route flush table ${vrf.table}`).join("\n")}\n`;
}

export const members = (topology: Topology) =>
  topology.vrfs.flatMap((vrf) => vrf.members.map((m) => ({ vrf, member: m })));

/** The VRF and member of an interface name, or an error naming what the topology has. */
export function findMember(topology: Topology, name: string): { vrf: Vrf; member: Member } {
  const found = members(topology).find((entry) => entry.member.name === name);
  if (found === undefined) throw new Error(`no member ${name} in the topology`);
  return found;
}

export function findVrf(topology: Topology, name: string): Vrf {
  const found = topology.vrfs.find((vrf) => vrf.name === name);
  if (found === undefined)
    throw new Error(`no VRF ${name} in the topology (${topology.vrfs.map((v) => v.name).join(", ")})`);
  return found;
}
