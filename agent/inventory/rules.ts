/**
 * FIB rules from `ip -j -4|-6 rule show`, in the kernel's evaluation order (the order printed).
 * The l3mdev rule prints as `"l3mdev": null` with no `table`; `src` is "all" when the rule
 * has no source selector. Each remaining key iproute2 prints is a selector or part of the
 * action; the selectors are what decide whether a rule matches every packet.
 */
import { z } from "zod";
import { parseShape } from "./errors.js";
import type { Family, Rule } from "./types.js";

export const rulesSource = (family: Family) => `ip -j -${family === "ipv4" ? 4 : 6} rule show`;

const rulesSchema = z.array(
  z.looseObject({
    priority: z.number().int(),
    table: z.string().optional(),
    action: z.string().optional(),
    goto: z.number().int().optional(),
  }),
);

type RawRule = Record<string, unknown>;

const text = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value) : "");

const withMask = (value: unknown, mask: unknown) => (mask === undefined ? text(value) : `${text(value)}/${text(mask)}`);

/**
 * The match keys of iproute2's print_rule (ip/iprule.c, up to 6.15: dscp and flowlabel are
 * newer than 6.1), as `ip rule` writes them. Keys not listed here (protocol, suppress_*, realms,
 * *_detached, unresolved, and anything unknown) do not narrow what a rule matches.
 */
const selectorWriters: Record<string, (rule: RawRule) => string> = {
  not: () => "not",
  src: (r) => (r.src === "all" && r.srclen === undefined ? "" : `from ${withPrefix(r.src, r.srclen)}`),
  dst: (r) => `to ${withPrefix(r.dst, r.dstlen)}`,
  tos: (r) => `tos ${text(r.tos)}`,
  dsfield: (r) => `dsfield ${text(r.dsfield)}`,
  dscp: (r) => `dscp ${text(r.dscp)}`,
  fwmark: (r) => `fwmark ${withMask(r.fwmark, r.fwmask)}`,
  iif: (r) => `iif ${text(r.iif)}`,
  oif: (r) => `oif ${text(r.oif)}`,
  uid_start: (r) => `uidrange ${text(r.uid_start)}-${text(r.uid_end)}`,
  ipproto: (r) => `ipproto ${text(r.ipproto)}`,
  sport: (r) => `sport ${text(r.sport)}`,
  sport_start: (r) => `sport ${text(r.sport_start)}-${text(r.sport_end)}`,
  dport: (r) => `dport ${text(r.dport)}`,
  dport_start: (r) => `dport ${text(r.dport_start)}-${text(r.dport_end)}`,
  tun_id: (r) => `tun_id ${text(r.tun_id)}`,
  flowlabel: (r) => `flowlabel ${withMask(r.flowlabel, r.flowlabel_mask)}`,
};

function withPrefix(address: unknown, length: unknown): string {
  return length === undefined ? text(address) : `${text(address)}/${text(length)}`;
}

function actionOf(rule: z.output<typeof rulesSchema>[number]): string | undefined {
  if (rule.goto !== undefined) return `goto ${rule.goto}`;
  if ("nop" in rule) return "nop";
  return rule.action;
}

export function parseRules(value: unknown, family: Family): Rule[] {
  return parseShape(rulesSchema, value, rulesSource(family)).map((rule) => {
    const selectors = Object.keys(rule)
      .flatMap((key) => (Object.hasOwn(selectorWriters, key) ? [selectorWriters[key]?.(rule) ?? ""] : []))
      .filter((selector) => selector !== "");
    const action = actionOf(rule);
    return {
      family,
      priority: rule.priority,
      l3mdev: "l3mdev" in rule,
      ...(rule.table === undefined ? {} : { table: rule.table }),
      selectors,
      ...(action === undefined ? {} : { action }),
    };
  });
}
