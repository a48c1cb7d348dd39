/**
 * What the agent knows about a network namespace's VRFs at one moment, as kept from rtnetlink.
 * The contract between the inventory (which fills it), the reconciler and the metrics.
 */

export type Family = "ipv4" | "ipv6";
export const families: readonly Family[] = ["ipv4", "ipv6"];

/** A member of a VRF. */
export interface Link {
  name: string;
  ifindex: number;
  /** The VRF this link is enslaved to. */
  master?: string;
  /** The kernel's operstate in iproute2's words: UP, DOWN, UNKNOWN, LOWERLAYERDOWN, ... */
  operState: string;
  /** Administratively up and with carrier: what `vrf_member_up` reports. */
  up: boolean;
}

/** Routes of one VRF table in one family, counted by route type (unicast, local, unreachable, ...). */
export type RouteCounts = Record<string, number>;

export interface UnreachableDefault {
  present: boolean;
  /** The metric of the unreachable default when present. */
  metric?: number;
  /**
   * The route type of that default when present: `unreachable` as the kernel's VRF documentation
   * writes it, or `blackhole`/`prohibit`, which end the lookup the same way (only the ICMP differs).
   */
  type?: string;
}

export interface Vrf {
  name: string;
  ifindex: number;
  table: number;
  operState: string;
  /** Links enslaved to this VRF, in ifindex order. */
  members: Link[];
  routes: Record<Family, RouteCounts>;
  unreachableDefault: Record<Family, UnreachableDefault>;
}

export interface Rule {
  family: Family;
  priority: number;
  /** The l3mdev rule (`ip rule add l3mdev`): looks up the table of the packet's VRF. */
  l3mdev: boolean;
  /** The table a non-l3mdev rule looks up: "main", "local", "default" or the number as text. */
  table?: string;
  /** What the rule matches on; a rule with no selector matches every packet. */
  selectors: string[];
  action?: string;
}

export interface L3mdevSysctls {
  tcp: number;
  udp: number;
  raw: number;
}

/** Every configuration check, in the order the audit reports them and the metrics list them. */
export const configChecks = [
  "no_unreachable_default_ipv4",
  "no_unreachable_default_ipv6",
  "l3mdev_rule_missing_ipv4",
  "l3mdev_rule_missing_ipv6",
  "l3mdev_rule_shadowed_ipv4",
  "l3mdev_rule_shadowed_ipv6",
  "duplicate_table",
  "no_members",
  "all_members_down",
] as const;

export type ConfigCheck = (typeof configChecks)[number];

export interface ConfigProblem {
  vrf: string;
  check: ConfigCheck;
  /** A sentence for logs and `vrf-agent status`. */
  detail: string;
}

/** What the kernel says, before the audit: the addon's snapshot of a namespace. */
export interface KernelView {
  /** In ifindex order. */
  vrfs: Vrf[];
  /** In the kernel's evaluation order, IPv4 first. */
  rules: Rule[];
  sysctls: L3mdevSysctls;
}

export interface Inventory extends KernelView {
  /** The named network namespace, or "" for the agent's own. */
  netns: string;
  /** When it was taken (ms since the epoch). */
  readAt: number;
  problems: ConfigProblem[];
}
