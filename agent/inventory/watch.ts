/**
 * A namespace's inventory, kept up to date by the addon's watch thread (native/src/
 * inventory_watch.cc), which decodes every dump and notification off the JS thread. Here the
 * thread's "changed" notices are coalesced into one onChange per burst, each carrying a fresh
 * inventory; what fails after the start is reported and repaired by the thread's own resync.
 */
import { join } from "node:path";
import type { InventoryWatchStats, NativeAddon } from "../native.js";
import { buildInventory } from "./build.js";
import { debounce } from "./debounce.js";
import { describeFailure, InventoryError } from "./errors.js";
import type { Inventory, Vrf } from "./types.js";

/** Where `ip netns add` leaves a namespace's file. */
export const netnsDir = "/run/netns";

export interface WatchOptions {
  /** A named network namespace; "" for the agent's own. */
  netns: string;
  /** Quiet time after the last change before onChange (default 20 ms). */
  debounceMs?: number;
  /** The notification socket's receive buffer (default 16 MiB; a tiny one makes overflows happen). */
  receiveBufferBytes?: number;
}

export interface InventoryWatch {
  readonly netns: string;
  /** The inventory now. */
  current(): Inventory;
  stats(): InventoryWatchStats;
  /** From now on, each burst of changes ends in one call with the inventory after it. */
  onChange(handler: (inventory: Inventory) => void, onError: (error: InventoryError) => void): void;
  /** Ends the watch; idempotent. */
  stop(): void;
}

/** Under a burst that never pauses, onChange still comes this often. */
const maxWaitMs = (debounceMs: number) => Math.max(200, 10 * debounceMs);

/** Resolves once the first dump is in; rejects with an InventoryError when the namespace cannot be read. */
export function openInventory(addon: NativeAddon, options: WatchOptions): Promise<InventoryWatch> {
  const { netns } = options;
  const debounceMs = options.debounceMs ?? 20;
  let handlers: { change: (inventory: Inventory) => void; error: (error: InventoryError) => void } | undefined;
  let ready: (() => void) | undefined;
  let failed: ((error: InventoryError) => void) | undefined;
  let stopped = false;

  // The VRFs as of the last snapshot; each snapshot brings only the ones that changed since.
  const known = new Map<number, Vrf>();
  let seen = 0;
  const current = () => {
    const snapshot = native.snapshot(seen);
    seen = snapshot.generation;
    for (const vrf of snapshot.changed) known.set(vrf.ifindex, vrf);
    const vrfs = Array.from(snapshot.order, (ifindex) => known.get(ifindex) as Vrf);
    if (known.size > vrfs.length) {
      const present = new Set(snapshot.order);
      for (const ifindex of known.keys()) if (!present.has(ifindex)) known.delete(ifindex);
    }
    return buildInventory({ vrfs, rules: snapshot.rules, sysctls: snapshot.sysctls }, { netns, readAt: Date.now() });
  };
  const changed = debounce(
    () => {
      if (stopped || handlers === undefined) return;
      try {
        handlers.change(current());
      } catch (error) {
        handlers.error(
          new InventoryError(`applying the inventory of ${netns || "the agent's namespace"} failed: ${String(error)}`),
        );
      }
    },
    debounceMs,
    maxWaitMs(debounceMs),
  );
  const native = new addon.InventoryWatch({
    ...(netns === "" ? {} : { netnsPath: join(netnsDir, netns) }),
    ...(options.receiveBufferBytes === undefined ? {} : { receiveBufferBytes: options.receiveBufferBytes }),
    onEvent(event, doing, errno) {
      if (event === "ready") return ready?.();
      if (event === "changed") return changed.notify();
      const error = new InventoryError(describeFailure(netns, doing, errno));
      if (failed !== undefined) return failed(error);
      handlers?.error(error);
    },
  });
  const watch: InventoryWatch = {
    netns,
    current,
    stats: () => native.stats(),
    onChange(change, error) {
      handlers = { change, error };
    },
    stop() {
      stopped = true;
      changed.cancel();
      native.stop();
    },
  };
  return new Promise<InventoryWatch>((resolve, reject) => {
    // The addon's notifications do not hold the process open (the server does), so the wait
    // for the first dump must, or a process with nothing else to do would end in the middle.
    const waiting = setInterval(() => {}, 60_000);
    ready = () => {
      ready = failed = undefined;
      clearInterval(waiting);
      resolve(watch);
    };
    failed = (error) => {
      ready = failed = undefined;
      clearInterval(waiting);
      watch.stop();
      reject(error);
    };
  });
}
