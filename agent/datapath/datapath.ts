/**
 * The datapath as the agent drives it: the three BPF objects loaded with their maps pinned
 * under one root (counters outlive the agent), ports filled, tc hooks attached, counters read.
 * Each object loads on its own, so a kernel without one hook family loses only that family.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import type { BpfLink, BpfMap, BpfObject, BpfProgram, NativeAddon } from "../native.js";
import { OperatorError } from "../operator-error.js";
import {
  datapathErrors,
  decodeCrossKey,
  decodeDropKey,
  decodeSlot,
  decodeTraffic,
  encodePort,
  encodeSlot,
  limits,
  type Port,
  routeKinds,
  type SlotEntry,
  type Traffic,
  u32Key,
  unreachableFamilies,
  unreachableIndex,
} from "./layout.js";

export const hookFamilies = ["traffic", "drops", "unreachable"] as const;

/** Why a hook family would not load, said the way an operator can act on it. */
export function explainLoadFailure(family: string, message: string): string {
  if (family === "unreachable" && /Operation not permitted/.test(message)) {
    return "this kernel refuses fentry programs (kernel function tracing is locked down): no unreachable hits";
  }
  return message.split("\n")[0] ?? message;
}
export type HookFamily = (typeof hookFamilies)[number];

export interface HookStatus {
  family: HookFamily;
  loaded: boolean;
  /** Left out on purpose by whoever started the datapath (the config's hooks), so not a failure. */
  disabled?: true;
  /** Why the family did not load, when it did not. */
  error?: string;
}

export type TcMode = "auto" | "tcx" | "legacy";
export type SlotKind = "vrf" | "iface";

/** Traffic counters by slot, as read in one go. */
export interface TrafficTable {
  at(slot: number): Traffic | undefined;
}

/**
 * The inode of this process's network namespace, as the global hooks' `agent_netns`: they see
 * every namespace's devices and count only those of the agent's own (bpf/netns.bpf.h).
 */
function ownNetns(): Buffer {
  const value = Buffer.alloc(4);
  value.writeUInt32LE(statSync("/proc/self/ns/net").ino);
  return value;
}

/** Overwrites an array entry with zeros; for per-CPU maps, every CPU's copy. */
function zeroEntry(map: BpfMap | undefined, index: number): void {
  const key = u32Key(index);
  const size = map?.lookup(key)?.length;
  if (map && size) map.update(key, Buffer.alloc(size));
}

export interface DatapathOptions {
  /** Where build/bpf/*.bpf.o are. */
  objectsDir: string;
  /** A folder on bpffs where the maps are pinned (and found again after a restart). */
  pinRoot: string;
  /** The hook families to load; default all. The others are reported as disabled. */
  families?: readonly HookFamily[];
  /**
   * max_entries by map name instead of the sizes compiled in, set in every object that declares
   * the map (names no object declares change nothing). A map pinned with another size is not
   * reused: the families declaring it fail to load.
   */
  maxEntries?: Readonly<Record<string, number>>;
}

export interface CrossCount {
  srcVrf: number;
  dstVrf: number;
  packets: number;
  bytes: number;
}

export interface DropCount {
  vrf: number;
  reason: number;
  count: number;
}

export interface UnreachableCount {
  vrf: number;
  family: (typeof unreachableFamilies)[number];
  route: (typeof routeKinds)[number];
  count: number;
}

/** The tc hooks on one interface; closing detaches both. */
export interface TcHooks {
  ifindex: number;
  ingress: BpfLink;
  egress: BpfLink;
}

export class Datapath {
  private readonly objects = new Map<HookFamily, BpfObject>();
  private readonly tracing: BpfLink[] = [];
  private readonly maps = new Map<string, BpfMap>();
  readonly status: HookStatus[] = [];

  constructor(
    private readonly addon: NativeAddon,
    private readonly options: DatapathOptions,
  ) {}

  /** Loads every requested hook family it can; attaches the tracing ones. Never throws for one family. */
  start(): void {
    const wanted = this.options.families ?? hookFamilies;
    const overrides = Object.entries(this.options.maxEntries ?? {});
    const netns = ownNetns();
    for (const family of hookFamilies) {
      if (!wanted.includes(family)) {
        this.status.push({
          family,
          loaded: false,
          disabled: true,
          error: "turned off (hooks.* in the config file or --no-collector.*)",
        });
        continue;
      }
      let object: BpfObject | undefined;
      try {
        object = new this.addon.BpfObject(join(this.options.objectsDir, `${family}.bpf.o`), {
          pinRoot: this.options.pinRoot,
        });
        const maps = object.mapNames();
        for (const [name, entries] of overrides) if (maps.includes(name)) object.setMaxEntries(name, entries);
        // Every family but traffic hooks the whole kernel, not one interface.
        const global = family !== "traffic";
        if (global) object.setConst("agent_netns", netns);
        const conflicts = object.pinConflicts();
        if (conflicts.length > 0) {
          const pins = conflicts.map((name) => join(this.options.pinRoot, name)).join(", ");
          throw new OperatorError(
            `the pinned map ${pins} has another shape than this version's (an older agent's or another tool's): stop the agent and run vrf-agent cleanup`,
          );
        }
        object.load();
        if (global) {
          for (const name of object.programNames()) this.tracing.push(object.program(name).attachTracing());
        }
        this.objects.set(family, object);
        this.status.push({ family, loaded: true });
      } catch (error) {
        object?.close();
        this.status.push({ family, loaded: false, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /** A loaded program, for BPF_PROG_TEST_RUN in tests and benchmarks. */
  program(family: HookFamily, name: string): BpfProgram {
    const object = this.objects.get(family);
    if (object === undefined) throw new Error(`the ${family} hooks did not load`);
    return object.program(name);
  }

  /**
   * Each map's wrapper is made once and kept: a wrapper holds its read buffers (a per-CPU array's
   * whole size), which V8 cannot see, so wrappers made afresh per read pile up unseen until a
   * major collection (the agent's RSS grew with every scrape and every VRF churned).
   */
  private map(family: HookFamily, name: string): BpfMap | undefined {
    const object = this.objects.get(family);
    if (object === undefined) return undefined;
    const key = `${family}/${name}`;
    let map = this.maps.get(key);
    if (map === undefined) {
      map = object.map(name);
      this.maps.set(key, map);
    }
    return map;
  }

  /** The shared maps live in whichever object loaded; pinning made them one. */
  private sharedMap(name: string): BpfMap {
    for (const family of this.objects.keys()) return this.map(family, name) as BpfMap;
    throw new Error("no datapath object is loaded");
  }

  private portsMap(ifindex: number): BpfMap {
    return this.sharedMap(ifindex < limits.denseIfindexes ? "ports_dense" : "ports_sparse");
  }

  setPort(ifindex: number, port: Port): void {
    this.portsMap(ifindex).update(u32Key(ifindex), encodePort(port));
  }

  deletePort(ifindex: number): void {
    const map = this.portsMap(ifindex);
    if (ifindex < limits.denseIfindexes) map.update(u32Key(ifindex), encodePort({ vrf: 0, iface: 0, master: false }));
    else map.delete(u32Key(ifindex));
  }

  /** Attaches the tc observers to an interface, in both directions. */
  attachTc(ifindex: number, mode: TcMode = "auto"): TcHooks {
    const traffic = this.objects.get("traffic");
    if (traffic === undefined) throw new Error("the traffic hooks did not load");
    const ingress = traffic.program("vrf_ingress").attachTc(ifindex, "ingress", { mode });
    try {
      return { ifindex, ingress, egress: traffic.program("vrf_egress").attachTc(ifindex, "egress", { mode }) };
    } catch (error) {
      ingress.close();
      throw error;
    }
  }

  /** The slots in use of one kind (ifindex != 0), as persisted beside the counters. */
  slots(kind: SlotKind): Map<number, SlotEntry> {
    const map = this.sharedMap(`${kind}_slots`);
    const used = new Map<number, SlotEntry>();
    for (let slot = 1; slot < map.maxEntries; slot++) {
      const value = map.lookup(u32Key(slot));
      const entry = value && decodeSlot(value);
      if (entry && entry.ifindex !== 0) used.set(slot, entry);
    }
    return used;
  }

  setSlot(kind: SlotKind, slot: number, entry: SlotEntry | undefined): void {
    this.sharedMap(`${kind}_slots`).update(u32Key(slot), encodeSlot(entry));
  }

  /**
   * Forgets everything a VRF slot counted, so the next VRF given the slot starts from zero:
   * its traffic, its unreachable hits, its drops, and every cross pair it is part of.
   */
  zeroVrf(slot: number): void {
    zeroEntry(this.map("traffic", "vrf_traffic"), slot);
    const unreachable = this.map("unreachable", "unreachable");
    for (let f = 0; f < unreachableFamilies.length; f++) {
      for (let k = 0; k < routeKinds.length; k++) zeroEntry(unreachable, unreachableIndex(slot, f, k));
    }
    const drops = this.map("drops", "drops");
    for (const key of drops?.keys() ?? []) if (decodeDropKey(key).vrf === slot) drops?.delete(key);
    const cross = this.map("traffic", "cross_traffic");
    for (const key of cross?.keys() ?? []) {
      const pair = decodeCrossKey(key);
      if (pair.srcVrf === slot || pair.dstVrf === slot) cross?.delete(key);
    }
  }

  zeroIface(slot: number): void {
    zeroEntry(this.map("traffic", "iface_traffic"), slot);
  }

  /** Packets and bytes per VRF slot. */
  vrfTraffic(): TrafficTable {
    return this.readTraffic("vrf_traffic", limits.vrfs);
  }

  /** Packets and bytes per interface slot. */
  ifaceTraffic(): TrafficTable {
    return this.readTraffic("iface_traffic", limits.ifaces);
  }

  /** One batched read of the map; a slot is decoded only when asked for (a scrape needs the used few). */
  private readTraffic(name: string, entries: number): TrafficTable {
    const map = this.map("traffic", name);
    if (map === undefined) return { at: () => undefined };
    const u64s = map.sumAllU64();
    return { at: (slot) => (slot >= 0 && slot < entries ? decodeTraffic(u64s, slot) : undefined) };
  }

  cross(): CrossCount[] {
    const map = this.map("traffic", "cross_traffic");
    if (map === undefined) return [];
    return map.keys().flatMap((key) => {
      const [packets = 0n, bytes = 0n] = map.sumU64(key) ?? [];
      return [{ ...decodeCrossKey(key), packets: Number(packets), bytes: Number(bytes) }];
    });
  }

  drops(): DropCount[] {
    const map = this.map("drops", "drops");
    if (map === undefined) return [];
    return map.keys().map((key) => ({ ...decodeDropKey(key), count: Number(map.sumU64(key)?.[0] ?? 0n) }));
  }

  unreachable(): UnreachableCount[] {
    const map = this.map("unreachable", "unreachable");
    if (map === undefined) return [];
    const u64s = map.sumAllU64();
    const hits: UnreachableCount[] = [];
    for (let vrf = 1; vrf < limits.vrfs; vrf++) {
      for (const [f, family] of unreachableFamilies.entries()) {
        for (const [k, route] of routeKinds.entries()) {
          const count = Number(u64s[unreachableIndex(vrf, f, k)] ?? 0n);
          if (count > 0) hits.push({ vrf, family, route, count });
        }
      }
    }
    return hits;
  }

  /** What the datapath could not count (full maps), by error. */
  errors(): Record<(typeof datapathErrors)[number], number> {
    const u64s = this.sharedMap("errors").sumAllU64();
    return Object.fromEntries(datapathErrors.map((name, i) => [name, Number(u64s[i] ?? 0n)])) as Record<
      (typeof datapathErrors)[number],
      number
    >;
  }

  /** Detaches the tracing hooks and closes the objects; pinned maps stay for the next start. */
  close(): void {
    this.maps.clear();
    for (const link of this.tracing.splice(0)) link.close();
    for (const object of this.objects.values()) object.close();
    this.objects.clear();
  }
}
