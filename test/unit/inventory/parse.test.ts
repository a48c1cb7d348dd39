import { describe, expect, it } from "vitest";
import { parseSysctls } from "../../../agent/inventory/sysctls.js";
import type { Family, Vrf } from "../../../agent/inventory/types.js";
import { build, labEntries, labFixture, seedRaw } from "./fixtures.js";

const seed = build(seedRaw());
const vrf = (name: string): Vrf => {
  const found = seed.vrfs.find((v) => v.name === name);
  if (found === undefined) throw new Error(`no VRF ${name} in the seed inventory`);
  return found;
};
const unreachableMetric = 4278198272;

describe("the seed inventory (lab fixtures)", () => {
  it("has the four VRFs with their tables, in ifindex order", () => {
    expect(seed.vrfs.map((v) => [v.name, v.table, v.ifindex, v.operState])).toEqual([
      ["mgmt", 1, 3, "UP"],
      ["red", 10, 5, "UP"],
      ["blue", 66, 9, "UP"],
      ["green", 81, 11, "UP"],
    ]);
    expect(vrf("red").mac).toBe("be:79:12:6d:dc:2c");
  });

  it.each([
    ["mgmt", [["eth0", "UP", true]]],
    [
      "red",
      [
        ["eth1", "UP", true],
        ["eth2", "UP", true],
        ["eth5", "DOWN", false],
      ],
    ],
    ["blue", [["eth3", "UP", true]]],
    ["green", [["eth4", "UP", true]]],
  ])("gives %s its members with their state", (name, members) => {
    expect(vrf(name).members.map((m) => [m.name, m.operState, m.up])).toEqual(members);
    for (const m of vrf(name).members) expect([m.master, m.kind]).toEqual([name, "veth"]);
  });

  it.each([
    ["eth0", ["ipv4 10.0.0.2/24", "ipv6 2000:1::2/120", "ipv6 fe80::e815:73ff:fecb:38c6/64"]],
    ["eth1", ["ipv4 10.2.1.2/24", "ipv6 2002:1::2/120", "ipv6 fe80::5878:1cff:fe1f:16f7/64"]],
    ["eth2", ["ipv4 10.2.2.2/24", "ipv6 2002:2::2/120", "ipv6 fe80::505a:1eff:fe9d:5fc0/64"]],
    ["eth5", []],
    ["eth3", ["ipv4 10.2.3.2/24", "ipv6 2002:3::2/120", "ipv6 fe80::e0a1:98ff:fec9:bf2e/64"]],
    ["eth4", ["ipv4 10.2.4.2/24", "ipv6 2002:4::2/120", "ipv6 fe80::4f8:1dff:fe7c:178c/64"]],
  ])("gives member %s its addresses", (name, addresses) => {
    const link = seed.links.find((l) => l.name === name);
    expect(link?.addresses.map((a) => `${a.family} ${a.address}/${a.prefixLength}`)).toEqual(addresses);
  });

  it("lists every link by ifindex, VRFs with kind vrf and plain devices without a kind", () => {
    expect(seed.links.map((l) => `${l.ifindex} ${l.name} ${l.kind ?? "-"}`)).toEqual([
      "1 lo -",
      "2 uplink -",
      "3 mgmt vrf",
      "4 eth0 veth",
      "5 red vrf",
      "6 eth1 veth",
      "7 eth2 veth",
      "8 eth5 veth",
      "9 blue vrf",
      "10 eth3 veth",
      "11 green vrf",
      "12 eth4 veth",
    ]);
  });

  // Counted by hand from routes-ipv4.json and routes-ipv6.json. IPv4 VRF tables hold, per
  // addressed member, its subnet (unicast), its address (local) and the subnet broadcast; IPv6
  // ones the subnet and fe80::/64 (unicast), the subnet-router anycast, the address (local) and
  // ff00::/8 (multicast). Only mgmt shows its link-local's local route and fe80:: anycast: the
  // capture caught the other members' link-locals still in DAD.
  it.each<[string, Family, Record<string, number>]>([
    ["mgmt", "ipv4", { unicast: 1, local: 1, broadcast: 1 }],
    ["red", "ipv4", { unicast: 2, local: 2, broadcast: 2, unreachable: 1 }],
    ["blue", "ipv4", { unicast: 1, local: 1, broadcast: 1, unreachable: 1 }],
    ["green", "ipv4", { unicast: 1, local: 1, broadcast: 1, unreachable: 1 }],
    ["mgmt", "ipv6", { unicast: 2, local: 2, anycast: 2, multicast: 1 }],
    ["red", "ipv6", { unicast: 4, local: 2, anycast: 2, multicast: 2, unreachable: 1 }],
    ["blue", "ipv6", { unicast: 2, local: 1, anycast: 1, multicast: 1, unreachable: 1 }],
    ["green", "ipv6", { unicast: 2, local: 1, anycast: 1, multicast: 1, unreachable: 1 }],
  ])("counts %s's %s routes by type", (name, family, counts) => {
    expect(vrf(name).routes[family]).toEqual(counts);
  });

  it.each<[string, Family]>([
    ["red", "ipv4"],
    ["red", "ipv6"],
    ["blue", "ipv4"],
    ["blue", "ipv6"],
    ["green", "ipv4"],
    ["green", "ipv6"],
  ])("finds %s's %s unreachable default with its metric", (name, family) => {
    expect(vrf(name).unreachableDefault[family]).toEqual({
      present: true,
      metric: unreachableMetric,
      type: "unreachable",
    });
  });

  it("finds no unreachable default for mgmt, which the seed leaves without one", () => {
    expect(vrf("mgmt").unreachableDefault).toEqual({ ipv4: { present: false }, ipv6: { present: false } });
  });

  it("finds none for green's IPv4 once it is deleted, and still green's IPv6 one", () => {
    const raw = seedRaw();
    raw.routes.ipv4 = labEntries("routes-ipv4-green-no-unreachable-default.json");
    const green = build(raw).vrfs.find((v) => v.name === "green");
    expect(green?.unreachableDefault.ipv4).toEqual({ present: false });
    expect(green?.unreachableDefault.ipv6.present).toBe(true);
    expect(green?.routes.ipv4).toEqual({ unicast: 1, local: 1, broadcast: 1 });
  });

  it("reads the rules in both families, the l3mdev rule at 1000 with no table", () => {
    const rules = seed.rules.map((r) => [r.family, r.priority, r.l3mdev, r.table, r.selectors.join(" ")]);
    expect(rules).toEqual([
      ["ipv4", 0, false, "local", ""],
      ["ipv4", 1000, true, undefined, ""],
      ["ipv4", 32766, false, "main", ""],
      ["ipv4", 32767, false, "default", ""],
      ["ipv6", 0, false, "local", ""],
      ["ipv6", 1000, true, undefined, ""],
      ["ipv6", 32766, false, "main", ""],
    ]);
  });

  it("reads the l3mdev_accept sysctls from the three files' lines", () => {
    const captured = labFixture("sysctl-l3mdev.json") as Record<string, number>;
    const output = ["tcp", "udp", "raw"].map((p) => `${captured[`${p}_l3mdev_accept`]}\n`).join("");
    expect(parseSysctls(output)).toEqual({ tcp: 0, udp: 0, raw: 1 });
  });
});
