/**
 * Keeps the datapath in step with the inventory: a slot for every VRF and watched interface,
 * persisted beside the counters so a restart resumes them; ports filled; tc hooks on every VRF
 * device and member, attached as they appear and detached as they go. A VRF or interface that
 * is deleted and recreated gets a fresh ifindex, so it is a new slot counting from zero.
 */
import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { Datapath, SlotKind, TcHooks, TcMode } from "../datapath/datapath.js";
import type { SlotEntry } from "../datapath/layout.js";
import { limits } from "../datapath/layout.js";
import { removeLeftoverFilters } from "../datapath/leftover-filters.js";
import type { Inventory } from "../inventory/types.js";
import { type Desired, desiredFrom } from "./desired.js";

const tracer = trace.getTracer("vrf-agent");

export interface AttachFailure {
  ifname: string;
  ifindex: number;
  message: string;
}

export interface ReconcileOutcome {
  attached: number;
  detached: number;
  failures: AttachFailure[];
}

/** Why a watched interface is not counted right now. */
export type UncountedReason =
  | "no_vrf_slot"
  | "no_interface_slot"
  | "port_map_full"
  | "port_update_failed"
  | "attach_failed";

export interface Uncounted {
  ifname: string;
  vrf: string;
  reason: UncountedReason;
}

export interface ReconcilerOptions {
  tcMode: TcMode;
  /** Whether tc will attach in legacy mode here (leftover filters exist only then). */
  legacy: boolean;
  log: (level: "info" | "warn", msg: string, fields?: Record<string, unknown>) => void;
}

const capacity: Record<SlotKind, number> = { vrf: limits.vrfs, iface: limits.ifaces };

const identity = (ifindex: number, name: string) => `${ifindex} ${name}`;

const sweepConcurrency = 8;

export class Reconciler {
  private readonly slots: Record<SlotKind, Map<number, SlotEntry>> = { vrf: new Map(), iface: new Map() };
  /** The same slots by who they count, so a pass over thousands of interfaces looks each up once. */
  private readonly slotIndex: Record<SlotKind, Map<string, number>> = { vrf: new Map(), iface: new Map() };
  /** The port each interface was last given, so a pass writes only what changed. */
  private readonly ports = new Map<number, string>();
  private readonly hooks = new Map<number, TcHooks>();
  /** Attach failures since start, for `vrf_agent_attach_errors_total`. */
  attachErrors = 0;
  /** The interfaces the last pass could not count, by ifindex; each is logged once when it becomes so. */
  uncounted = new Map<number, Uncounted>();

  constructor(
    private readonly datapath: Datapath,
    private readonly options: ReconcilerOptions,
  ) {}

  /** Takes over the slots a previous run left beside the counters; sweeps its leftover filters. */
  async start(initial: Inventory): Promise<void> {
    for (const kind of ["vrf", "iface"] as const) {
      this.slots[kind] = this.datapath.slots(kind);
      for (const [slot, entry] of this.slots[kind]) this.slotIndex[kind].set(identity(entry.ifindex, entry.name), slot);
    }
    if (this.options.legacy) {
      const names = desiredFrom(initial).ifaces.map((iface) => iface.name);
      // A few `tc` at a time: one per interface at once is thousands of processes on a router.
      let total = 0;
      for (let at = 0; at < names.length; at += sweepConcurrency) {
        const removed = await Promise.all(
          names.slice(at, at + sweepConcurrency).map((name) => removeLeftoverFilters(name)),
        );
        total += removed.reduce((a, b) => a + b, 0);
      }
      if (total > 0) this.options.log("info", "removed tc filters left by an earlier run", { filters: total });
    }
  }

  /** The slot entries in use, for naming the counters. */
  slotEntries(kind: SlotKind): ReadonlyMap<number, SlotEntry> {
    return this.slots[kind];
  }

  /** Attached hooks by attach mode ("tcx", "legacy-tc"). */
  hookCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const hooks of this.hooks.values()) counts.set(hooks.ingress.kind, (counts.get(hooks.ingress.kind) ?? 0) + 1);
    return counts;
  }

  apply(inventory: Inventory): ReconcileOutcome {
    return tracer.startActiveSpan("reconcile", (span) => {
      try {
        const outcome = this.applyDesired(desiredFrom(inventory));
        span.setAttributes({
          "vrf_agent.vrfs": inventory.vrfs.length,
          "vrf_agent.attached": outcome.attached,
          "vrf_agent.detached": outcome.detached,
          "vrf_agent.attach_failures": outcome.failures.length,
        });
        return outcome;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private applyDesired(desired: Desired): ReconcileOutcome {
    const outcome: ReconcileOutcome = { attached: 0, detached: 0, failures: [] };
    const wantedVrfs = new Map(desired.vrfs.map((vrf) => [vrf.name, vrf.ifindex]));
    for (const [slot, entry] of this.slots.vrf) {
      if (wantedVrfs.get(entry.name) !== entry.ifindex) this.release("vrf", slot);
    }
    const vrfSlot = new Map<string, number>();
    for (const vrf of desired.vrfs) {
      const slot = this.slotOf("vrf", vrf.ifindex, vrf.name) ?? this.allocate("vrf", { ...vrf, vrf: 0 });
      if (slot !== undefined) vrfSlot.set(vrf.name, slot);
    }

    const wantedIfaces = new Map(desired.ifaces.map((iface) => [iface.ifindex, iface]));
    for (const [slot, entry] of this.slots.iface) {
      if (wantedIfaces.get(entry.ifindex)?.name !== entry.name) {
        if (this.detach(entry.ifindex)) outcome.detached++;
        this.datapath.deletePort(entry.ifindex);
        this.ports.delete(entry.ifindex);
        this.release("iface", slot);
      }
    }
    const uncounted = new Map<number, Uncounted>();
    const notCounted = (ifindex: number, ifname: string, vrf: string, reason: UncountedReason, error?: string) => {
      uncounted.set(ifindex, { ifname, vrf, reason });
      if (this.uncounted.get(ifindex)?.reason !== reason) {
        this.options.log("warn", "interface not counted", {
          interface: ifname,
          vrf,
          reason,
          ...(error ? { error } : {}),
        });
      }
    };
    for (const iface of desired.ifaces) {
      const vrf = vrfSlot.get(iface.vrf);
      if (vrf === undefined) {
        notCounted(iface.ifindex, iface.name, iface.vrf, "no_vrf_slot");
        continue;
      }
      let slot = this.slotOf("iface", iface.ifindex, iface.name);
      if (slot === undefined) slot = this.allocate("iface", { ifindex: iface.ifindex, vrf, name: iface.name });
      else if (this.slots.iface.get(slot)?.vrf !== vrf)
        this.record("iface", slot, { ifindex: iface.ifindex, vrf, name: iface.name });
      if (slot === undefined) {
        notCounted(iface.ifindex, iface.name, iface.vrf, "no_interface_slot");
        continue;
      }
      // One interface the kernel refuses (a full port map) must not cost the rest of the pass.
      try {
        const port = { vrf, iface: slot, master: iface.master };
        const written = JSON.stringify(port);
        if (this.ports.get(iface.ifindex) !== written) {
          this.datapath.setPort(iface.ifindex, port);
          this.ports.set(iface.ifindex, written);
        }
      } catch (error) {
        const full = (error as { code?: string }).code === "E2BIG";
        notCounted(iface.ifindex, iface.name, iface.vrf, full ? "port_map_full" : "port_update_failed", String(error));
        continue;
      }
      if (this.hooks.has(iface.ifindex)) continue;
      const failure = this.attach(iface.ifindex, iface.name);
      if (failure) {
        outcome.failures.push(failure);
        notCounted(iface.ifindex, iface.name, iface.vrf, "attach_failed", failure.message);
      } else outcome.attached++;
    }
    this.uncounted = uncounted;
    return outcome;
  }

  private slotOf(kind: SlotKind, ifindex: number, name: string): number | undefined {
    return this.slotIndex[kind].get(identity(ifindex, name));
  }

  /** The lowest free slot, zeroed before use; undefined when all are taken. */
  private allocate(kind: SlotKind, entry: SlotEntry): number | undefined {
    for (let slot = 1; slot < capacity[kind]; slot++) {
      if (this.slots[kind].has(slot)) continue;
      this.zero(kind, slot);
      this.record(kind, slot, entry);
      return slot;
    }
    return undefined;
  }

  private record(kind: SlotKind, slot: number, entry: SlotEntry): void {
    this.datapath.setSlot(kind, slot, entry);
    const old = this.slots[kind].get(slot);
    if (old !== undefined) this.slotIndex[kind].delete(identity(old.ifindex, old.name));
    this.slots[kind].set(slot, entry);
    this.slotIndex[kind].set(identity(entry.ifindex, entry.name), slot);
  }

  private release(kind: SlotKind, slot: number): void {
    this.zero(kind, slot);
    this.datapath.setSlot(kind, slot, undefined);
    const old = this.slots[kind].get(slot);
    if (old !== undefined) this.slotIndex[kind].delete(identity(old.ifindex, old.name));
    this.slots[kind].delete(slot);
  }

  private zero(kind: SlotKind, slot: number): void {
    if (kind === "vrf") this.datapath.zeroVrf(slot);
    else this.datapath.zeroIface(slot);
  }

  private attach(ifindex: number, ifname: string): AttachFailure | undefined {
    return tracer.startActiveSpan("attach", { attributes: { "vrf_agent.interface": ifname } }, (span) => {
      try {
        this.hooks.set(ifindex, this.datapath.attachTc(ifindex, this.options.tcMode));
        return undefined;
      } catch (error) {
        // Most often the interface vanished between the inventory and the attach: the next
        // inventory will not list it, so this is reported and not retried here.
        this.attachErrors++;
        const message = error instanceof Error ? error.message : String(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        return { ifname, ifindex, message };
      } finally {
        span.end();
      }
    });
  }

  private detach(ifindex: number): boolean {
    const hooks = this.hooks.get(ifindex);
    if (hooks === undefined) return false;
    hooks.ingress.close();
    hooks.egress.close();
    this.hooks.delete(ifindex);
    return true;
  }

  /** Detaches every hook this agent attached; slots and pinned counters stay for the next run. */
  stop(): void {
    for (const ifindex of [...this.hooks.keys()]) this.detach(ifindex);
  }
}
