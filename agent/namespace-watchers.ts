/**
 * One inventory watch per namespace the agent inventories: the agent's own ("") drives the
 * datapath, named ones feed the inventory metrics. The set is looked at again every few seconds
 * (`--netns.all` follows namespaces as they come and go, and a named one that could not be
 * opened is tried again) and when a reloaded config names others; a dropped namespace's series go.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Core } from "./core.js";
import { type InventoryWatch, openInventory } from "./inventory/index.js";
import { netnsDir } from "./inventory/watch.js";
import type { Logger } from "./log/logger.js";
import type { InventoryWatchStats, NativeAddon } from "./native.js";
import { oneLine } from "./operator-error.js";

/** How often the wanted namespaces are listed again: one readdir of /run/netns. */
const followMs = 2_000;

export interface NamespaceHealth {
  netns: string;
  /** Watched now (false: the namespace is missing or could not be entered). */
  up: boolean;
  stats?: InventoryWatchStats;
  /** Inventories that could not be applied, on top of the watch's own failed dumps. */
  applyErrors: number;
}

interface Entry {
  watch?: InventoryWatch;
  /** The last reason it could not be opened, logged once until it changes. */
  failure?: string;
  applyErrors: number;
  opening?: Promise<void>;
}

export class NamespaceWatchers {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `own` is the agent's own namespace's watch, opened before the datapath it drives. */
  constructor(
    private readonly core: Core,
    private readonly addon: NativeAddon,
    private readonly log: Logger,
    own: InventoryWatch,
    private wanted: () => Promise<string[]>,
  ) {
    const entry: Entry = { watch: own, applyErrors: 0 };
    this.entries.set("", entry);
    this.subscribe(entry, own, (inventory) => core.apply(inventory));
    core.state.namespaceHealth = () => this.health();
  }

  /** Starts following; resolves once the named namespaces were tried the first time. */
  async start(): Promise<void> {
    await this.refresh();
    const tick = () => {
      this.timer = setTimeout(() => void this.refresh().finally(() => !this.stopped && tick()), followMs);
    };
    tick();
  }

  /** A reloaded config: these namespaces from now on. */
  async follow(wanted: () => Promise<string[]>): Promise<void> {
    this.wanted = wanted;
    await this.refresh();
  }

  health(): NamespaceHealth[] {
    return [...this.entries].map(([netns, e]) => ({
      netns,
      up: e.watch !== undefined,
      ...(e.watch ? { stats: e.watch.stats() } : {}),
      applyErrors: e.applyErrors,
    }));
  }

  private async refresh(): Promise<void> {
    if (this.stopped) return;
    let wanted: Set<string>;
    try {
      wanted = new Set(["", ...(await this.wanted())]);
    } catch (error) {
      this.log.warn("listing namespaces failed", { error: oneLine(error).message });
      return;
    }
    for (const [netns, entry] of this.entries) {
      if (wanted.has(netns)) continue;
      this.entries.delete(netns);
      entry.watch?.stop();
      this.core.state.forget(netns);
      this.log.info("stopped watching a namespace", { netns });
    }
    for (const [netns, entry] of this.entries) {
      // A deleted namespace lives on while a socket of ours is in it: let it go.
      if (netns === "" || entry.watch === undefined || existsSync(join(netnsDir, netns))) continue;
      entry.watch.stop();
      delete entry.watch;
      this.core.state.forget(netns);
      this.log.warn("a watched namespace was deleted; waiting for it to come back", { netns });
      entry.failure = "deleted";
    }
    const opening: Promise<void>[] = [];
    for (const netns of wanted) {
      let entry = this.entries.get(netns);
      if (entry === undefined) {
        entry = { applyErrors: 0 };
        this.entries.set(netns, entry);
      }
      if (entry.watch !== undefined) continue;
      entry.opening ??= this.open(netns, entry);
      opening.push(entry.opening);
    }
    await Promise.all(opening);
  }

  private async open(netns: string, entry: Entry): Promise<void> {
    try {
      const watch = await openInventory(this.addon, { netns });
      if (this.stopped || this.entries.get(netns) !== entry) return watch.stop();
      entry.watch = watch;
      delete entry.failure;
      this.subscribe(entry, watch, (inventory) => this.core.state.updated(inventory));
      this.core.state.updated(watch.current());
      this.log.info("watching a namespace", { netns });
    } catch (error) {
      const message = oneLine(error).message;
      // Once per reason: a namespace that stays missing is tried every few seconds, quietly.
      if (entry.failure !== message)
        this.log.error("cannot inventory a namespace; trying again", { netns, error: message });
      entry.failure = message;
    } finally {
      delete entry.opening;
    }
  }

  private subscribe(entry: Entry, watch: InventoryWatch, apply: (inventory: Parameters<Core["apply"]>[0]) => void) {
    watch.onChange(
      (inventory) => {
        try {
          apply(inventory);
        } catch (error) {
          entry.applyErrors++;
          this.log.warn("applying an inventory failed", { netns: watch.netns, error: oneLine(error).message });
        }
      },
      (error) => this.log.warn("inventory watch failed; it resyncs", { netns: watch.netns, error: error.message }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all([...this.entries.values()].map((entry) => entry.opening));
    for (const entry of this.entries.values()) entry.watch?.stop();
    this.entries.clear();
  }
}
