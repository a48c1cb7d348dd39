/**
 * The datapath's map layouts as user space reads them: a mirror of bpf/vrf_agent.h, which
 * test/unit/datapath/layout.test.ts parses so the two cannot drift apart.
 */

export const limits = {
  vrfs: 256,
  ifaces: 4096,
  denseIfindexes: 4096,
} as const;

export const directions = ["rx", "tx"] as const;
export const families = ["ipv4", "ipv6", "other"] as const;
export const routeKinds = ["unreachable", "blackhole", "prohibit", "none"] as const;
export const unreachableFamilies = ["ipv4", "ipv6"] as const;
export const datapathErrors = ["cross_full", "drops_full"] as const;

export type Direction = (typeof directions)[number];
export type Family = (typeof families)[number];
export type RouteKind = (typeof routeKinds)[number];

/** The VRF device itself: counted in its own interface row only. */
export const portMaster = 1;

export interface Port {
  vrf: number;
  iface: number;
  master: boolean;
}

export function encodePort(port: Port): Buffer {
  const value = Buffer.alloc(8);
  value.writeUInt16LE(port.vrf, 0);
  value.writeUInt16LE(port.iface, 2);
  value.writeUInt32LE(port.master ? portMaster : 0, 4);
  return value;
}

export function u32Key(n: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(n);
  return key;
}

/** struct vrf_agent_traffic: packets[direction][family], then bytes[direction][family]. */
export const trafficU64s = 2 * directions.length * families.length;

export type Counts = Record<Direction, Record<Family, number>>;
export interface Traffic {
  packets: Counts;
  bytes: Counts;
}

export function decodeTraffic(u64s: BigUint64Array, entry: number): Traffic {
  const base = entry * trafficU64s;
  const counts = (half: number): Counts => {
    const at = (d: number, f: number) => Number(u64s[base + half + d * families.length + f] ?? 0n);
    return {
      rx: { ipv4: at(0, 0), ipv6: at(0, 1), other: at(0, 2) },
      tx: { ipv4: at(1, 0), ipv6: at(1, 1), other: at(1, 2) },
    };
  };
  return { packets: counts(0), bytes: counts(directions.length * families.length) };
}

/** struct vrf_agent_slot: who a slot counts; ifindex 0 marks it free. */
export interface SlotEntry {
  ifindex: number;
  /** For an interface slot, the VRF slot it counts into. */
  vrf: number;
  name: string;
}

export const nameSize = 16;

export function encodeSlot(entry: SlotEntry | undefined): Buffer {
  const value = Buffer.alloc(8 + nameSize);
  if (entry === undefined) return value;
  value.writeUInt32LE(entry.ifindex, 0);
  value.writeUInt32LE(entry.vrf, 4);
  // Interface names are at most 15 bytes, so the terminating NUL always fits.
  value.write(entry.name.slice(0, nameSize - 1), 8, "utf8");
  return value;
}

export function decodeSlot(value: Buffer): SlotEntry {
  const name = value.subarray(8, 8 + nameSize);
  const end = name.indexOf(0);
  return {
    ifindex: value.readUInt32LE(0),
    vrf: value.readUInt32LE(4),
    name: name.subarray(0, end < 0 ? nameSize : end).toString("utf8"),
  };
}

/** struct vrf_agent_cross_key and vrf_agent_drop_key. */
export const decodeCrossKey = (key: Buffer) => ({ srcVrf: key.readUInt16LE(0), dstVrf: key.readUInt16LE(2) });
export const decodeDropKey = (key: Buffer) => ({ vrf: key.readUInt32LE(0), reason: key.readUInt32LE(4) });

export function encodeCrossKey(pair: { srcVrf: number; dstVrf: number }): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt16LE(pair.srcVrf, 0);
  key.writeUInt16LE(pair.dstVrf, 2);
  return key;
}

export function encodeDropKey(drop: { vrf: number; reason: number }): Buffer {
  const key = Buffer.alloc(8);
  key.writeUInt32LE(drop.vrf, 0);
  key.writeUInt32LE(drop.reason, 4);
  return key;
}

/** Value sizes (one CPU's share) of cross_traffic (struct vrf_agent_count) and drops (a u64). */
export const crossValueSize = 16;
export const dropValueSize = 8;

/** The unreachable map's index of a (VRF slot, family, route kind). */
export const unreachableIndex = (vrf: number, family: number, kind: number) =>
  (vrf * unreachableFamilies.length + family) * routeKinds.length + kind;
