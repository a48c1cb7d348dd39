/**
 * One inventory watcher per namespace the agent inventories: the agent's own ("") drives the
 * datapath, named ones feed the inventory metrics. The set can change while the agent runs (a
 * reloaded config), so watchers start and stop by name, and a dropped namespace's series go.
 */
import type { Core } from "./core.js";
import { readInventory, watchInventory } from "./inventory/index.js";
import type { Inventory } from "./inventory/types.js";
import type { Logger } from "./log/logger.js";

/** Re-reads a namespace's inventory on every change, one read at a time; a burst costs one more read. */
function refresher(
  netns: string,
  apply: (inventory: Inventory, seconds: number) => void,
  log: Logger,
  failed: () => void,
) {
  let running: Promise<void> | undefined;
  let again = false;
  const once = async () => {
    const started = performance.now();
    try {
      apply(await readInventory(netns ? { netns } : {}), (performance.now() - started) / 1000);
    } catch (error) {
      failed();
      log.warn("inventory refresh failed", { netns, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await once();
      } while (again);
      running = undefined;
    })();
  };
}

export class NamespaceWatchers {
  private readonly watchers = new Map<string, { stop(): Promise<void> }>();

  constructor(
    private readonly core: Core,
    private readonly log: Logger,
  ) {}

  /** Watches exactly these namespaces from now on ("" is the agent's own). */
  async set(namespaces: Iterable<string>): Promise<void> {
    const wanted = new Set(namespaces);
    for (const [netns, watcher] of this.watchers) {
      if (wanted.has(netns)) continue;
      this.watchers.delete(netns);
      await watcher.stop();
      this.core.state.forget(netns);
      this.log.info("stopped watching a namespace", { netns });
    }
    for (const netns of wanted) if (!this.watchers.has(netns)) this.watch(netns);
  }

  private watch(netns: string): void {
    const { core } = this;
    const apply =
      netns === "" ? core.apply : (inventory: Inventory, seconds: number) => core.state.updated(inventory, seconds);
    const refresh = refresher(netns, apply, this.log, () => core.state.refreshFailed());
    // The agent's own namespace was read at start, before the datapath; a named one not yet.
    if (netns !== "") refresh();
    this.watchers.set(
      netns,
      watchInventory({
        ...(netns ? { netns } : {}),
        onChange: refresh,
        onError: (error) => this.log.warn("ip monitor failed; restarting it", { netns, error: error.message }),
      }),
    );
  }

  async stop(): Promise<void> {
    const watchers = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(watchers.map((watcher) => watcher.stop()));
  }
}
