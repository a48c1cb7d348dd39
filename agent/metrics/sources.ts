/**
 * What the metric families read at scrape time, behind one interface so each family stays small.
 * Each family is collected in one pass, so every map is read once per scrape.
 */
import type { Datapath } from "../datapath/datapath.js";
import type { SlotEntry } from "../datapath/layout.js";
import type { Inventory } from "../inventory/types.js";
import type { NamespaceHealth } from "../namespace-watchers.js";
import type { Uncounted } from "../reconcile/reconciler.js";

export interface AgentFacts {
  version: string;
  kernel: string;
  libbpf: string;
  /** "tcx" or "legacy" as the datapath attaches here. */
  attachMode: string;
}

export interface MetricSources {
  facts: AgentFacts;
  /** The latest inventory of each inventoried namespace ("" = the agent's own). */
  inventories(): Inventory[];
  datapath: Datapath | undefined;
  /** Slot -> who it counts (VRF slots and interface slots), from the reconciler. */
  slots(kind: "vrf" | "iface"): ReadonlyMap<number, SlotEntry>;
  dropReasonName(reason: number): string;
  /** Cross-VRF pairs the operator declared expected. */
  expectedCross: readonly { from: string; to: string }[];
  hookCounts(): Map<string, number>;
  attachErrors(): number;
  /** Watched interfaces that are not counted right now, and why. */
  uncounted(): Iterable<Uncounted>;
  /** How the inventory watch of each namespace the agent was asked to inventory is doing. */
  inventoryHealth(): NamespaceHealth[];
  /** Maps the agent pinned that are gone from its pin folder. */
  pinsMissing: number;
}
