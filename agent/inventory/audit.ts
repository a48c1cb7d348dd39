/**
 * The configuration audit: what about a namespace's VRFs lets traffic leave its VRF or go
 * nowhere. Problems come out per VRF in the VRFs' order, and per VRF in ConfigCheck's order,
 * so the list is stable from one read to the next and can be compared.
 */
import { type ConfigCheck, type ConfigProblem, type Family, families, type Rule, type Vrf } from "./types.js";

const familyName: Record<Family, string> = { ipv4: "IPv4", ipv6: "IPv6" };

const describeRule = (rule: Rule) =>
  `${rule.priority} (${rule.selectors.length === 0 ? "from all" : rule.selectors.join(" ")} lookup ${rule.table})`;

/**
 * A rule evaluated before the l3mdev rule that matches every packet and looks up a table takes
 * VRF traffic to that table first: a route there wins over the VRF's own table.
 *
 * The local table is the exception, and the kernel's own rule 0 (`from all lookup local`) is
 * how every namespace starts: it holds only the host's own addresses (local, broadcast and
 * anycast routes) of links outside any VRF, because the kernel puts a VRF member's local
 * routes in the VRF's table (`local 10.2.1.2 table 10` in the lab's fixtures). A hit there can
 * only deliver to this host, never forward out of another VRF's interface, and anything else
 * falls through to the l3mdev rule. Whether a socket outside the VRF then takes such a packet
 * is what the l3mdev_accept sysctls decide, and the inventory reports those. Moving rule 0
 * after the l3mdev rule, as some VRF guides advise, is hardening, not a leak fix.
 */
function shadows(rule: Rule): boolean {
  if (rule.l3mdev || rule.selectors.length > 0 || rule.table === undefined) return false;
  return rule.table !== "local";
}

interface RuleFinding {
  missing: boolean;
  l3mdev?: Rule;
  shadow?: Rule;
}

/** `rules` are in the kernel's evaluation order: by priority, and among equals in insertion order. */
function findRules(rules: readonly Rule[], family: Family): RuleFinding {
  const ordered = rules.filter((rule) => rule.family === family);
  const at = ordered.findIndex((rule) => rule.l3mdev);
  const l3mdev = ordered[at];
  if (l3mdev === undefined) return { missing: true };
  const shadow = ordered.slice(0, at).find(shadows);
  return { missing: false, l3mdev, ...(shadow === undefined ? {} : { shadow }) };
}

type Finder = (vrf: Vrf) => string | undefined;

function checksFor(vrfs: readonly Vrf[], rules: readonly Rule[]): [ConfigCheck, Finder][] {
  const found = { ipv4: findRules(rules, "ipv4"), ipv6: findRules(rules, "ipv6") };
  const byTable = Map.groupBy(vrfs, (vrf) => vrf.table);
  const checks: [ConfigCheck, Finder][] = [];
  for (const family of families) {
    checks.push([
      `no_unreachable_default_${family}`,
      (vrf) =>
        vrf.unreachableDefault[family].present
          ? undefined
          : `VRF ${vrf.name} has no ${familyName[family]} unreachable default in table ${vrf.table}: lookups its routes miss fall through to the rules after the l3mdev rule (the main table) and leave the VRF`,
    ]);
  }
  for (const family of families) {
    checks.push([
      `l3mdev_rule_missing_${family}`,
      (vrf) =>
        found[family].missing
          ? `there is no ${familyName[family]} l3mdev rule: lookups for VRF ${vrf.name} never reach its table ${vrf.table} and use the other rules' tables instead`
          : undefined,
    ]);
  }
  for (const family of families) {
    const { shadow, l3mdev } = found[family];
    checks.push([
      `l3mdev_rule_shadowed_${family}`,
      (vrf) =>
        shadow === undefined || l3mdev === undefined
          ? undefined
          : `${familyName[family]} rule ${describeRule(shadow)} matches every packet before the l3mdev rule at ${l3mdev.priority}: lookups for VRF ${vrf.name} go to table ${shadow.table} before its table ${vrf.table}`,
    ]);
  }
  checks.push(
    [
      "duplicate_table",
      (vrf) => {
        const sharing = byTable.get(vrf.table) ?? [];
        if (sharing.length < 2) return undefined;
        return `VRFs ${sharing.map((v) => v.name).join(", ")} share table ${vrf.table}: their routes mix in one table`;
      },
    ],
    ["no_members", (vrf) => (vrf.members.length === 0 ? `VRF ${vrf.name} has no member interfaces` : undefined)],
    [
      "all_members_down",
      (vrf) =>
        vrf.members.length > 0 && vrf.members.every((member) => !member.up)
          ? `every member of VRF ${vrf.name} is down (${vrf.members.map((m) => `${m.name} ${m.operState}`).join(", ")})`
          : undefined,
    ],
  );
  return checks;
}

export function auditConfig(vrfs: readonly Vrf[], rules: readonly Rule[]): ConfigProblem[] {
  const checks = checksFor(vrfs, rules);
  return vrfs.flatMap((vrf) =>
    checks.flatMap(([check, find]) => {
      const detail = find(vrf);
      return detail === undefined ? [] : [{ vrf: vrf.name, check, detail }];
    }),
  );
}
