import { describe, expect, it } from "vitest";
import type { RawInventory } from "../../../agent/inventory/build.js";
import { InventoryError, parseJsonText } from "../../../agent/inventory/errors.js";
import { parseLinks } from "../../../agent/inventory/links.js";
import { parseRoutes } from "../../../agent/inventory/routes.js";
import { parseRules } from "../../../agent/inventory/rules.js";
import { parseSysctls } from "../../../agent/inventory/sysctls.js";
import { build, type JsonObject, labEntries, seedRaw } from "./fixtures.js";

const seed = build(seedRaw());

/** Adds `future` fields at every level iproute2 might grow them. */
function withUnknownFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withUnknownFields);
  if (value === null || typeof value !== "object") return value;
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknownFields(v)]));
  return { ...copy, future_field: { nested: [1, "two"] }, future_flag: null };
}

const editLink = (raw: RawInventory, name: string, edit: (link: JsonObject) => void) => {
  for (const link of raw.links as JsonObject[]) if (link.ifname === name) edit(link);
  return raw;
};

describe("malformed iproute2 output", () => {
  it.each<[string, () => unknown, RegExp]>([
    [
      "links that are an object, not an array",
      () => parseLinks({ links: [] }, []),
      /^unexpected shape of `ip -j -d link show` output: the top level: .*expected array/,
    ],
    [
      "a link without ifname",
      () => {
        const links = labEntries("links.json");
        delete links[3]?.ifname;
        return parseLinks(links, []);
      },
      /^unexpected shape of `ip -j -d link show` output: \[3\]\.ifname: .*expected string/,
    ],
    [
      "a link whose ifindex is text",
      () => parseLinks([{ ifindex: "4", ifname: "eth0" }], []),
      /`ip -j -d link show` output: \[0\]\.ifindex: .*expected number/,
    ],
    [
      "a VRF without its table",
      () => parseLinks([{ ifindex: 3, ifname: "mgmt", linkinfo: { info_kind: "vrf" } }], []),
      /`ip -j -d link show` shows VRF mgmt without its table/,
    ],
    [
      "addresses that are not an array",
      () => parseLinks([], "10.0.0.2/24"),
      /^unexpected shape of `ip -j address show` output: the top level/,
    ],
    [
      "an IPv4 address without its prefix length",
      () => parseLinks([], [{ ifindex: 4, ifname: "eth0", addr_info: [{ family: "inet", local: "10.0.0.2" }] }]),
      /`ip -j address show` output: \[0\]\.addr_info\[0\]: an inet\/inet6 address without local or prefixlen/,
    ],
    [
      "routes that are an object",
      () => parseRoutes({ dst: "default" }, "ipv6"),
      /^unexpected shape of `ip -j -6 route show table all` output: the top level/,
    ],
    [
      "a route without dst",
      () => parseRoutes([{ type: "unreachable", table: "10" }], "ipv4"),
      /`ip -j -4 route show table all` output: \[0\]\.dst: /,
    ],
    [
      "a rule without priority",
      () => parseRules([{ src: "all", table: "main" }], "ipv4"),
      /`ip -j -4 rule show` output: \[0\]\.priority: /,
    ],
    [
      "text that is not JSON",
      () => parseJsonText('Error: argument "jsn" is wrong\n', "ip -j -4 rule show"),
      /^`ip -j -4 rule show` did not print JSON \(.*\); it began: "Error: argument/,
    ],
    [
      "sysctls that are not three numbers",
      () => parseSysctls("0\n1\n"),
      /expected tcp_l3mdev_accept, .* read "0\\n1\\n"/,
    ],
    ["a sysctl that is not a number", () => parseSysctls("0\nx\n1\n"), /as three numbers/],
  ])("rejects %s with a clear InventoryError", (_name, parse, message) => {
    expect(parse).toThrow(InventoryError);
    expect(parse).toThrow(message);
  });

  it("takes empty output as no entries (ip prints nothing for some empty lists)", () => {
    expect(parseJsonText("\n", "ip -j netns list")).toEqual([]);
  });
});

describe("what the inventory ignores", () => {
  it("ignores unknown fields at every level of every command's output", () => {
    const raw = seedRaw();
    const noisy: RawInventory = {
      ...raw,
      links: withUnknownFields(raw.links),
      addresses: withUnknownFields(raw.addresses),
      routes: { ipv4: withUnknownFields(raw.routes.ipv4), ipv6: withUnknownFields(raw.routes.ipv6) },
      rules: { ipv4: withUnknownFields(raw.rules.ipv4), ipv6: withUnknownFields(raw.rules.ipv6) },
    };
    expect(build(noisy)).toEqual(seed);
  });

  it("keeps a link of an unknown kind as a plain member, and only kind vrf makes a VRF", () => {
    const raw = editLink(seedRaw(), "eth3", (link) => {
      link.linkinfo = { info_kind: "quantum-tunnel", info_data: { table: 66, qubits: 3 } };
    });
    const inventory = build(raw);
    expect(inventory.vrfs.map((v) => v.name)).toEqual(["mgmt", "red", "blue", "green"]);
    const blue = inventory.vrfs.find((v) => v.name === "blue");
    expect(blue?.members.map((m) => [m.name, m.kind, m.up])).toEqual([["eth3", "quantum-tunnel", true]]);
    expect(inventory.problems).toEqual(seed.problems);
  });

  it("keeps no MAC for a link whose link-layer address is not one (tunnels print an IP)", () => {
    const raw = editLink(seedRaw(), "uplink", (link) => {
      link.address = "192.0.2.1";
    });
    const uplink = build(raw).links.find((l) => l.name === "uplink");
    expect(uplink?.mac).toBeUndefined();
    expect(seed.links.find((l) => l.name === "uplink")?.mac).toBe("52:54:00:12:34:56");
  });

  it("skips addresses of families other than inet and inet6", () => {
    const addresses = [
      {
        ifindex: 4,
        ifname: "eth0",
        addr_info: [{ family: "mpls" }, { family: "inet", local: "10.0.0.2", prefixlen: 24 }],
      },
    ];
    const { links } = parseLinks([{ ifindex: 4, ifname: "eth0" }], addresses);
    expect(links[0]?.addresses).toEqual([{ family: "ipv4", address: "10.0.0.2", prefixLength: 24 }]);
  });

  it("tolerates the two dumps disagreeing: addresses of a link gone, a link with no address entry", () => {
    const { links } = parseLinks(
      [{ ifindex: 4, ifname: "eth0", operstate: "UP", flags: ["UP", "LOWER_UP"] }],
      [{ ifindex: 99, ifname: "gone", addr_info: [{ family: "inet", local: "10.9.9.9", prefixlen: 32 }] }],
    );
    expect(links).toEqual([{ name: "eth0", ifindex: 4, operState: "UP", up: true, addresses: [] }]);
  });

  it("counts unknown route types by their own name and skips tables it cannot name", () => {
    const tables = parseRoutes(
      [
        { type: "xresolve", dst: "10.9.0.0/16", table: "10" },
        { dst: "10.8.0.0/16", table: "no-such-name" },
        { dst: "10.7.0.0/16" },
      ],
      "ipv4",
    );
    expect(Object.fromEntries(tables)).toEqual({
      10: { counts: { xresolve: 1 }, unreachableDefault: { present: false } },
      254: { counts: { unicast: 1 }, unreachableDefault: { present: false } },
    });
  });

  it("takes an IPv4 unreachable default without a metric as metric 0 (ip omits zero)", () => {
    const tables = parseRoutes([{ type: "unreachable", dst: "default", table: "10" }], "ipv4");
    expect(tables.get(10)?.unreachableDefault).toEqual({ present: true, metric: 0, type: "unreachable" });
  });

  it("reads rule selectors and actions as ip rule writes them, unknown keys aside", () => {
    const rules = parseRules(
      [
        { priority: 600, src: "10.0.0.0", srclen: 8, iif: "lo", table: "100", protocol: "unspec" },
        { priority: 700, not: null, src: "all", fwmark: "0x1", fwmask: "0xff", goto: 900, unresolved: null },
        { priority: 800, src: "all", action: "unreachable" },
        { priority: 810, src: "all", uid_start: 0, uid_end: 10, ipproto: "tcp", dport: 22, table: "main" },
        { priority: 820, src: "all", nop: null },
        { priority: 830, src: "all", table: "main", some_future_key: 1 },
      ],
      "ipv4",
    );
    expect(rules.map((r) => [r.priority, r.selectors.join(" "), r.table ?? "", r.action ?? ""])).toEqual([
      [600, "from 10.0.0.0/8 iif lo", "100", ""],
      [700, "not fwmark 0x1/0xff", "", "goto 900"],
      [800, "", "", "unreachable"],
      [810, "uidrange 0-10 ipproto tcp dport 22", "main", ""],
      [820, "", "", "nop"],
      [830, "", "main", ""],
    ]);
  });
});
