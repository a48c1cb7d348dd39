import { describe, expect, it } from "vitest";
import type { RawInventory } from "../../../agent/inventory/build.js";
import { type ConfigCheck, configChecks, type Family } from "../../../agent/inventory/types.js";
import { build, type JsonObject, labEntries, seedRaw } from "./fixtures.js";

const problemsOf = (raw: RawInventory) => build(raw).problems.map((p) => `${p.vrf} ${p.check}`);

/** The seed's own problems: mgmt is left without unreachable defaults on purpose. */
const seedProblems = ["mgmt no_unreachable_default_ipv4", "mgmt no_unreachable_default_ipv6"];

const everyVrf = (check: string) => ["mgmt", "red", "blue", "green"].map((name) => `${name} ${check}`);

/** Problems of the edited seed, in the audit's order: per VRF, then per check. */
const expectedOrder = (extra: string[]) => {
  const order = ["mgmt", "red", "blue", "green"];
  const rank = (problem: string) => {
    const [vrf = "", check = ""] = problem.split(" ");
    return order.indexOf(vrf) * configChecks.length + configChecks.indexOf(check as ConfigCheck);
  };
  return [...seedProblems, ...extra].sort((a, b) => rank(a) - rank(b));
};

const rulesWith = (raw: RawInventory, family: Family, edit: (rules: JsonObject[]) => JsonObject[]) => {
  raw.rules[family] = edit(raw.rules[family] as JsonObject[]);
  return raw;
};

const insertRule = (rules: JsonObject[], rule: JsonObject) =>
  [...rules, rule].sort((a, b) => Number(a.priority) - Number(b.priority));

const links = (raw: RawInventory) => raw.links as JsonObject[];

describe("the configuration audit", () => {
  it("finds exactly mgmt's missing unreachable defaults in the seed", () => {
    const problems = build(seedRaw()).problems;
    expect(problems.map((p) => `${p.vrf} ${p.check}`)).toEqual(seedProblems);
    expect(problems[0]?.detail).toBe(
      "VRF mgmt has no IPv4 unreachable default in table 1: lookups its routes miss fall through to the rules after the l3mdev rule (the main table) and leave the VRF",
    );
  });

  it("adds green's IPv4 once its unreachable default is deleted (real capture)", () => {
    const raw = seedRaw();
    raw.routes.ipv4 = labEntries("routes-ipv4-green-no-unreachable-default.json");
    expect(problemsOf(raw)).toEqual(expectedOrder(["green no_unreachable_default_ipv4"]));
  });

  it.each<[string, (raw: RawInventory) => RawInventory, string[]]>([
    [
      "`from all lookup main` at 500 shadows the IPv4 l3mdev rule for every VRF",
      (raw) => rulesWith(raw, "ipv4", (r) => insertRule(r, { priority: 500, src: "all", table: "main" })),
      everyVrf("l3mdev_rule_shadowed_ipv4"),
    ],
    [
      "`from all lookup main` at 500 in IPv6 shadows only IPv6",
      (raw) => rulesWith(raw, "ipv6", (r) => insertRule(r, { priority: 500, src: "all", table: "main" })),
      everyVrf("l3mdev_rule_shadowed_ipv6"),
    ],
    [
      "a rule at the l3mdev rule's own priority listed before it shadows it too (the kernel goes by list order)",
      (raw) =>
        rulesWith(raw, "ipv4", (r) => [r[0] ?? {}, { priority: 1000, src: "all", table: "main" }, ...r.slice(1)]),
      everyVrf("l3mdev_rule_shadowed_ipv4"),
    ],
    [
      "a VRF's table looked up for everything first shadows too",
      (raw) => rulesWith(raw, "ipv4", (r) => insertRule(r, { priority: 900, src: "all", table: "10" })),
      everyVrf("l3mdev_rule_shadowed_ipv4"),
    ],
    [
      "suppress_prefixlen does not stop main's specific routes from winning",
      (raw) =>
        rulesWith(raw, "ipv4", (r) =>
          insertRule(r, { priority: 500, src: "all", table: "main", suppress_prefixlen: 0, protocol: "static" }),
        ),
      everyVrf("l3mdev_rule_shadowed_ipv4"),
    ],
    [
      "a rule with a selector before the l3mdev rule does not shadow it",
      (raw) =>
        rulesWith(raw, "ipv4", (r) =>
          insertRule(r, { priority: 500, src: "10.0.0.0", srclen: 8, iif: "uplink", table: "main" }),
        ),
      [],
    ],
    [
      "an inverted rule (`not from all`) does not match every packet",
      (raw) => rulesWith(raw, "ipv4", (r) => insertRule(r, { priority: 500, not: null, src: "all", table: "main" })),
      [],
    ],
    [
      "an action rule (unreachable) before the l3mdev rule drops, it does not shadow",
      (raw) => rulesWith(raw, "ipv4", (r) => insertRule(r, { priority: 500, src: "all", action: "unreachable" })),
      [],
    ],
    [
      "the local table looked up before the l3mdev rule is not shadowing, at any priority",
      (raw) => rulesWith(raw, "ipv4", (r) => insertRule(r, { priority: 999, src: "all", table: "local" })),
      [],
    ],
    [
      "`from all lookup main` after the l3mdev rule is the normal order",
      (raw) => rulesWith(raw, "ipv4", (r) => insertRule(r, { priority: 2000, src: "all", table: "main" })),
      [],
    ],
    [
      "the IPv4 l3mdev rule removed is missing for every VRF",
      (raw) => rulesWith(raw, "ipv4", (r) => r.filter((rule) => !("l3mdev" in rule))),
      everyVrf("l3mdev_rule_missing_ipv4"),
    ],
    [
      "the IPv6 l3mdev rule removed is missing for every VRF",
      (raw) => rulesWith(raw, "ipv6", (r) => r.filter((rule) => !("l3mdev" in rule))),
      everyVrf("l3mdev_rule_missing_ipv6"),
    ],
    [
      "blue given red's table is a duplicate for both",
      (raw) => {
        for (const link of links(raw)) {
          if (link.ifname === "blue") link.linkinfo = { info_kind: "vrf", info_data: { table: 10 } };
        }
        return raw;
      },
      ["red duplicate_table", "blue duplicate_table"],
    ],
    [
      "green without members has none",
      (raw) => {
        raw.links = links(raw).filter((link) => link.ifname !== "eth4");
        return raw;
      },
      ["green no_members"],
    ],
    [
      "blue with its only member down has all members down",
      (raw) => {
        for (const link of links(raw)) {
          if (link.ifname === "eth3") Object.assign(link, { flags: ["BROADCAST", "MULTICAST"], operstate: "DOWN" });
        }
        return raw;
      },
      ["blue all_members_down"],
    ],
    [
      "red's up members down besides eth5 is all members down; no carrier counts as down",
      (raw) => {
        for (const link of links(raw)) {
          if (link.ifname === "eth1" || link.ifname === "eth2")
            Object.assign(link, { flags: ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"], operstate: "LOWERLAYERDOWN" });
        }
        return raw;
      },
      ["red all_members_down"],
    ],
    [
      "a blackhole default closes the table as well as an unreachable one",
      (raw) => {
        const routes = raw.routes.ipv4 as JsonObject[];
        raw.routes.ipv4 = [...routes, { type: "blackhole", dst: "default", table: "1", metric: 100, flags: [] }];
        return raw;
      },
      ["-mgmt no_unreachable_default_ipv4"],
    ],
    [
      "a throw default sends lookups on, so it does not close the table",
      (raw) => {
        const routes = raw.routes.ipv4 as JsonObject[];
        raw.routes.ipv4 = [...routes, { type: "throw", dst: "default", table: "1", flags: [] }];
        return raw;
      },
      [],
    ],
  ])("%s", (_name, edit, extra) => {
    const removed = extra.filter((p) => p.startsWith("-")).map((p) => p.slice(1));
    const added = extra.filter((p) => !p.startsWith("-"));
    const expected = expectedOrder(added).filter((p) => !removed.includes(p));
    expect(problemsOf(edit(seedRaw()))).toEqual(expected);
  });

  it("says in each detail what is wrong and where", () => {
    const raw = seedRaw();
    rulesWith(raw, "ipv4", (r) => insertRule(r, { priority: 500, src: "all", table: "main" }));
    rulesWith(raw, "ipv6", (r) => r.filter((rule) => !("l3mdev" in rule)));
    for (const link of links(raw)) {
      if (link.ifname === "blue") link.linkinfo = { info_kind: "vrf", info_data: { table: 10 } };
      if (link.ifname === "eth5") link.master = "green";
    }
    raw.links = links(raw).filter((link) => link.ifname !== "eth4");
    const details = Object.fromEntries(
      build(raw)
        .problems.filter((p) => p.vrf !== "mgmt")
        .map((p) => [`${p.vrf} ${p.check}`, p.detail]),
    );
    expect(details).toEqual({
      "red l3mdev_rule_missing_ipv6":
        "there is no IPv6 l3mdev rule: lookups for VRF red never reach its table 10 and use the other rules' tables instead",
      "red l3mdev_rule_shadowed_ipv4":
        "IPv4 rule 500 (from all lookup main) matches every packet before the l3mdev rule at 1000: lookups for VRF red go to table main before its table 10",
      "red duplicate_table": "VRFs red, blue share table 10: their routes mix in one table",
      "blue l3mdev_rule_missing_ipv6":
        "there is no IPv6 l3mdev rule: lookups for VRF blue never reach its table 10 and use the other rules' tables instead",
      "blue l3mdev_rule_shadowed_ipv4":
        "IPv4 rule 500 (from all lookup main) matches every packet before the l3mdev rule at 1000: lookups for VRF blue go to table main before its table 10",
      "blue duplicate_table": "VRFs red, blue share table 10: their routes mix in one table",
      "green l3mdev_rule_missing_ipv6":
        "there is no IPv6 l3mdev rule: lookups for VRF green never reach its table 81 and use the other rules' tables instead",
      "green l3mdev_rule_shadowed_ipv4":
        "IPv4 rule 500 (from all lookup main) matches every packet before the l3mdev rule at 1000: lookups for VRF green go to table main before its table 81",
      "green all_members_down": "every member of VRF green is down (eth5 DOWN)",
    });
  });
});
