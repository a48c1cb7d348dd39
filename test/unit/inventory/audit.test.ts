import { describe, expect, it } from "vitest";
import {
  type ConfigCheck,
  configChecks,
  type Family,
  type KernelView,
  type Link,
  type Rule,
  type Vrf,
} from "../../../agent/inventory/types.js";
import { build, seedView } from "./fixtures.js";

const problemsOf = (view: KernelView) => build(view).problems.map((p) => `${p.vrf} ${p.check}`);

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

const rulesWith = (view: KernelView, family: Family, edit: (rules: Rule[]) => Rule[]) => {
  const others = view.rules.filter((rule) => rule.family !== family);
  const edited = edit(view.rules.filter((rule) => rule.family === family));
  view.rules = family === "ipv4" ? [...edited, ...others] : [...others, ...edited];
  return view;
};

const lookup = (priority: number, table: string, selectors: string[] = []): Rule => ({
  family: "ipv4",
  priority,
  l3mdev: false,
  table,
  selectors,
});

const insertRule = (rules: Rule[], rule: Rule) =>
  [...rules, { ...rule, family: rules[0]?.family ?? rule.family }].sort((a, b) => a.priority - b.priority);

const vrfNamed = (view: KernelView, name: string): Vrf => {
  const vrf = view.vrfs.find((v) => v.name === name);
  if (vrf === undefined) throw new Error(`no VRF ${name} in the fixture`);
  return vrf;
};

const memberNamed = (view: KernelView, name: string): Link => {
  const member = view.vrfs.flatMap((v) => v.members).find((m) => m.name === name);
  if (member === undefined) throw new Error(`no member ${name} in the fixture`);
  return member;
};

const withoutMember = (view: KernelView, name: string) => {
  for (const vrf of view.vrfs) vrf.members = vrf.members.filter((m) => m.name !== name);
  return view;
};

describe("the configuration audit", () => {
  it("finds exactly mgmt's missing unreachable defaults in the seed", () => {
    const problems = build(seedView()).problems;
    expect(problems.map((p) => `${p.vrf} ${p.check}`)).toEqual(seedProblems);
    expect(problems[0]?.detail).toBe(
      "VRF mgmt has no IPv4 unreachable default in table 1: lookups its routes miss fall through to the rules after the l3mdev rule (the main table) and leave the VRF",
    );
  });

  it("adds green's IPv4 once its unreachable default is deleted (real capture)", () => {
    const view = seedView("inventory-green-no-unreachable-default.json");
    expect(problemsOf(view)).toEqual(expectedOrder(["green no_unreachable_default_ipv4"]));
  });

  it.each<[string, (view: KernelView) => KernelView, string[]]>([
    [
      "`from all lookup main` at 500 shadows the IPv4 l3mdev rule for every VRF",
      (view) => rulesWith(view, "ipv4", (r) => insertRule(r, lookup(500, "main"))),
      everyVrf("l3mdev_rule_shadowed_ipv4"),
    ],
    [
      "`from all lookup main` at 500 in IPv6 shadows only IPv6",
      (view) => rulesWith(view, "ipv6", (r) => insertRule(r, lookup(500, "main"))),
      everyVrf("l3mdev_rule_shadowed_ipv6"),
    ],
    [
      "a rule at the l3mdev rule's own priority listed before it shadows it too (the kernel goes by list order)",
      (view) =>
        rulesWith(view, "ipv4", (r) => [
          ...r.filter((rule) => rule.priority < 1000),
          lookup(1000, "main"),
          ...r.filter((rule) => rule.priority >= 1000),
        ]),
      everyVrf("l3mdev_rule_shadowed_ipv4"),
    ],
    [
      "a VRF's table looked up for everything first shadows too",
      (view) => rulesWith(view, "ipv4", (r) => insertRule(r, lookup(900, "10"))),
      everyVrf("l3mdev_rule_shadowed_ipv4"),
    ],
    [
      "a rule with a selector before the l3mdev rule does not shadow it",
      (view) => rulesWith(view, "ipv4", (r) => insertRule(r, lookup(500, "main", ["from 10.0.0.0/8", "iif uplink"]))),
      [],
    ],
    [
      "an inverted rule (`not from all`) does not match every packet",
      (view) => rulesWith(view, "ipv4", (r) => insertRule(r, lookup(500, "main", ["not"]))),
      [],
    ],
    [
      "an action rule (unreachable) before the l3mdev rule drops, it does not shadow",
      (view) =>
        rulesWith(view, "ipv4", (r) =>
          insertRule(r, { family: "ipv4", priority: 500, l3mdev: false, selectors: [], action: "unreachable" }),
        ),
      [],
    ],
    [
      "the local table looked up before the l3mdev rule is not shadowing, at any priority",
      (view) => rulesWith(view, "ipv4", (r) => insertRule(r, lookup(999, "local"))),
      [],
    ],
    [
      "`from all lookup main` after the l3mdev rule is the normal order",
      (view) => rulesWith(view, "ipv4", (r) => insertRule(r, lookup(2000, "main"))),
      [],
    ],
    [
      "the IPv4 l3mdev rule removed is missing for every VRF",
      (view) => rulesWith(view, "ipv4", (r) => r.filter((rule) => !rule.l3mdev)),
      everyVrf("l3mdev_rule_missing_ipv4"),
    ],
    [
      "the IPv6 l3mdev rule removed is missing for every VRF",
      (view) => rulesWith(view, "ipv6", (r) => r.filter((rule) => !rule.l3mdev)),
      everyVrf("l3mdev_rule_missing_ipv6"),
    ],
    [
      "blue given red's table is a duplicate for both",
      (view) => {
        vrfNamed(view, "blue").table = 10;
        return view;
      },
      ["red duplicate_table", "blue duplicate_table"],
    ],
    ["green without members has none", (view) => withoutMember(view, "eth4"), ["green no_members"]],
    [
      "blue with its only member down has all members down",
      (view) => {
        Object.assign(memberNamed(view, "eth3"), { up: false, operState: "DOWN" });
        return view;
      },
      ["blue all_members_down"],
    ],
    [
      "red's up members down besides eth5 is all members down; no carrier counts as down",
      (view) => {
        for (const name of ["eth1", "eth2"])
          Object.assign(memberNamed(view, name), { up: false, operState: "LOWERLAYERDOWN" });
        return view;
      },
      ["red all_members_down"],
    ],
  ])("%s", (_name, edit, extra) => {
    const removed = extra.filter((p) => p.startsWith("-")).map((p) => p.slice(1));
    const added = extra.filter((p) => !p.startsWith("-"));
    const expected = expectedOrder(added).filter((p) => !removed.includes(p));
    expect(problemsOf(edit(seedView()))).toEqual(expected);
  });

  it("says in each detail what is wrong and where", () => {
    const view = seedView();
    rulesWith(view, "ipv4", (r) => insertRule(r, lookup(500, "main")));
    rulesWith(view, "ipv6", (r) => r.filter((rule) => !rule.l3mdev));
    vrfNamed(view, "blue").table = 10;
    const eth5 = { ...memberNamed(view, "eth5"), master: "green" };
    withoutMember(withoutMember(view, "eth4"), "eth5");
    vrfNamed(view, "green").members = [eth5];
    const details = Object.fromEntries(
      build(view)
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
