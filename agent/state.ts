/**
 * The agent's live state as the metrics read it: the latest inventories, the datapath, the
 * reconciler's slots and hooks, refresh health. The daemon and the integration tests build the
 * same thing, so what is tested is what runs.
 */
import type { Datapath } from "./datapath/datapath.js";
import { dropReasonName } from "./datapath/drop-reasons.js";
import type { SlotEntry } from "./datapath/layout.js";
import type { Inventory } from "./inventory/types.js";
import type { AgentFacts, MetricSources } from "./metrics/sources.js";
import type { NamespaceHealth } from "./namespace-watchers.js";
import type { Reconciler, Uncounted } from "./reconcile/reconciler.js";

export class AgentState implements MetricSources {
  private readonly latest = new Map<string, Inventory>();

  constructor(
    readonly facts: AgentFacts,
    readonly datapath: Datapath | undefined,
    private readonly reconciler: Reconciler | undefined,
    private readonly dropNames: Map<number, string>,
    /** Replaced when a reloaded config declares other pairs. */
    public expectedCross: readonly { from: string; to: string }[],
  ) {}

  /** Maps the agent pinned that are gone from its pin folder (someone removed them while it ran). */
  pinsMissing = 0;

  /** How each inventoried namespace's watch is doing; set by whoever runs the watches. */
  namespaceHealth: () => NamespaceHealth[] = () => [];

  /** Records a fresh inventory of its namespace. */
  updated(inventory: Inventory): void {
    this.latest.set(inventory.netns, inventory);
  }

  /** Drops a namespace the agent no longer inventories, so its series go. */
  forget(netns: string): void {
    this.latest.delete(netns);
  }

  inventories(): Inventory[] {
    return [...this.latest.values()];
  }

  slots(kind: "vrf" | "iface"): ReadonlyMap<number, SlotEntry> {
    return this.reconciler?.slotEntries(kind) ?? new Map();
  }

  dropReasonName(reason: number): string {
    return dropReasonName(this.dropNames, reason);
  }

  hookCounts(): Map<string, number> {
    return this.reconciler?.hookCounts() ?? new Map();
  }

  uncounted(): Iterable<Uncounted> {
    return this.reconciler?.uncounted.values() ?? [];
  }

  attachErrors(): number {
    return this.reconciler?.attachErrors ?? 0;
  }

  inventoryHealth(): NamespaceHealth[] {
    return this.namespaceHealth();
  }
}
