import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../agent/artifacts.js";
import {
  datapathErrors,
  decodeCrossKey,
  decodeDropKey,
  decodeSlot,
  decodeTraffic,
  directions,
  encodeCrossKey,
  encodeDropKey,
  encodePort,
  encodeSlot,
  families,
  limits,
  nameSize,
  portMaster,
  routeKinds,
  trafficU64s,
  unreachableFamilies,
} from "../../../agent/datapath/layout.js";

const header = await readFile(join(projectRoot, "bpf", "vrf_agent.h"), "utf8");
const define = (name: string) => Number(new RegExp(`#define ${name} (\\w+)`).exec(header)?.[1]?.replace(/u$/, ""));
/** An enum's member names in order, lower-cased without the prefix, minus the trailing count. */
const enumMembers = (name: string, prefix: string) => {
  const body = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(header)?.[1] ?? "";
  const names = [...body.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/VRF_AGENT_(\w+)/g)].map((m) => m[1] ?? "");
  return names.slice(0, -1).map((n) => n.replace(prefix, "").toLowerCase());
};

describe("the datapath layout mirrors bpf/vrf_agent.h", () => {
  it("has the header's limits and flags", () => {
    expect(limits).toEqual({
      vrfs: define("VRF_AGENT_MAX_VRFS"),
      ifaces: define("VRF_AGENT_MAX_IFACES"),
      denseIfindexes: define("VRF_AGENT_DENSE_IFINDEXES"),
    });
    expect(portMaster).toBe(define("VRF_AGENT_PORT_MASTER"));
    expect(nameSize).toBe(define("VRF_AGENT_NAME_SIZE"));
    expect(unreachableFamilies).toHaveLength(define("VRF_AGENT_UNREACHABLE_FAMILIES"));
  });

  it("has the header's enums in the header's order", () => {
    expect(directions).toEqual(enumMembers("vrf_agent_direction", ""));
    expect(families).toEqual(enumMembers("vrf_agent_family", ""));
    expect(routeKinds).toEqual(enumMembers("vrf_agent_route_kind", "ROUTE_"));
    expect(datapathErrors).toEqual(enumMembers("vrf_agent_error", "ERROR_"));
  });

  it("round-trips a slot entry as the struct's u32 ifindex, u32 vrf, char name[16]", () => {
    const entry = { ifindex: 7, vrf: 3, name: "eth1" };
    const value = encodeSlot(entry);
    expect(value.length).toBe(8 + nameSize);
    expect([...value.subarray(0, 12)]).toEqual([7, 0, 0, 0, 3, 0, 0, 0, 0x65, 0x74, 0x68, 0x31]);
    expect(decodeSlot(value)).toEqual(entry);
    expect(decodeSlot(encodeSlot(undefined)).ifindex).toBe(0);
  });

  it("encodes a port as the struct's u16 vrf, u16 iface, u32 flags", () => {
    expect([...encodePort({ vrf: 3, iface: 0x102, master: true })]).toEqual([3, 0, 2, 1, 1, 0, 0, 0]);
  });

  it("round-trips the cross_traffic key as u16 src, u16 dst and the drops key as u32 vrf, u32 reason", () => {
    expect([...encodeCrossKey({ srcVrf: 2, dstVrf: 0x103 })]).toEqual([2, 0, 3, 1]);
    expect(decodeCrossKey(encodeCrossKey({ srcVrf: 7, dstVrf: 9 }))).toEqual({ srcVrf: 7, dstVrf: 9 });
    expect([...encodeDropKey({ vrf: 5, reason: 0x102 })]).toEqual([5, 0, 0, 0, 2, 1, 0, 0]);
    expect(decodeDropKey(encodeDropKey({ vrf: 200, reason: 1 }))).toEqual({ vrf: 200, reason: 1 });
  });

  it("decodes packets before bytes, rx before tx, families in order", () => {
    const u64s = new BigUint64Array(trafficU64s * 2).map((_, i) => BigInt(i));
    const second = decodeTraffic(u64s, 1);
    expect(second.packets.rx).toEqual({ ipv4: 12, ipv6: 13, other: 14 });
    expect(second.packets.tx.other).toBe(17);
    expect(second.bytes.rx.ipv4).toBe(18);
    expect(second.bytes.tx.other).toBe(23);
  });
});
