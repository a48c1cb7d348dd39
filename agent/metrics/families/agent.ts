/** The agent about itself: build, hooks, attach errors, datapath health, inventory refreshes. */
import { Counter, Gauge, type Metric, type Registry } from "prom-client";
import { datapathErrors } from "../../datapath/layout.js";
import type { CollectorRuns } from "../collector.js";
import type { MetricSources } from "../sources.js";

export function registerAgent(registry: Registry, sources: MetricSources, runs: CollectorRuns): void {
  const hooks = new Gauge({
    name: "vrf_agent_hooks_attached",
    help: "Interfaces with the agent's tc hooks attached, by attach mode (tcx, legacy-tc).",
    labelNames: ["mode"],
    registers: [],
  });
  const attachErrors = new Counter({
    name: "vrf_agent_attach_errors_total",
    help: "Attempts to attach tc hooks that failed (most often: the interface vanished mid-attach).",
    registers: [],
  });
  const familyLoaded = new Gauge({
    name: "vrf_agent_hook_family_loaded",
    help: "Whether a family of datapath hooks (traffic, drops, unreachable) loaded on this kernel.",
    labelNames: ["family"],
    registers: [],
  });
  const familyEnabled = new Gauge({
    name: "vrf_agent_hook_family_enabled",
    help: "Whether the agent's config asks for a family of datapath hooks (0: turned off by hooks.drops or hooks.unreachable).",
    labelNames: ["family"],
    registers: [],
  });
  const datapathErrorCount = new Counter({
    name: "vrf_agent_datapath_errors_total",
    help: "Events the datapath could not count because a map was full, by map.",
    labelNames: ["error"],
    registers: [],
  });
  const inventoryUp = new Gauge({
    name: "vrf_agent_inventory_up",
    help: "Whether the agent inventories a namespace it was asked to (1) or cannot open it (0: missing, or not enterable).",
    labelNames: ["netns"],
    registers: [],
  });
  const refresh = new Gauge({
    name: "vrf_agent_inventory_refresh_duration_seconds",
    help: "How long the last full inventory dump of a namespace took (links, rules and the VRFs' tables over rtnetlink).",
    labelNames: ["netns"],
    registers: [],
  });
  const refreshErrors = new Counter({
    name: "vrf_agent_inventory_errors_total",
    help: "Inventory dumps of a namespace that failed, and inventories that could not be applied; each is retried.",
    labelNames: ["netns"],
    registers: [],
  });
  const notifications = new Counter({
    name: "vrf_agent_inventory_notifications_total",
    help: "rtnetlink notifications the inventory read in a namespace (route changes of the main and local tables are dropped in the kernel before they reach it).",
    labelNames: ["netns"],
    registers: [],
  });
  const resyncs = new Counter({
    name: "vrf_agent_inventory_resyncs_total",
    help: "Full inventory dumps beyond the first, by reason: overflow (the kernel dropped notifications), drift (the periodic check found the kept state out of step).",
    labelNames: ["netns", "reason"],
    registers: [],
  });
  const uncounted = new Gauge({
    name: "vrf_agent_interface_uncounted",
    help: "Interfaces of VRFs that the agent watches but cannot count right now, by reason (1 while it lasts).",
    labelNames: ["interface", "vrf", "reason"],
    registers: [],
  });
  const pinsMissing = new Gauge({
    name: "vrf_agent_pins_missing",
    help: "Maps the agent pinned that are gone from its pin folder (removed while it ran: counters restart from 0 at the next start).",
    registers: [],
  });
  const siblings: Metric<string>[] = [
    hooks,
    attachErrors,
    familyLoaded,
    familyEnabled,
    datapathErrorCount,
    inventoryUp,
    refresh,
    refreshErrors,
    notifications,
    resyncs,
    uncounted,
    pinsMissing,
  ];
  new Gauge({
    name: "vrf_agent_build_info",
    help: "The agent's version, the kernel it runs on, the libbpf it uses and how it attaches tc hooks (always 1).",
    labelNames: ["version", "kernel", "libbpf", "attach_mode"],
    registers: [registry],
    collect() {
      runs.run(
        "agent",
        () => {
          this.reset();
          for (const m of siblings) m.reset();
        },
        () => {
          const f = sources.facts;
          this.set({ version: f.version, kernel: f.kernel, libbpf: f.libbpf, attach_mode: f.attachMode }, 1);
          for (const [mode, count] of sources.hookCounts()) hooks.set({ mode }, count);
          attachErrors.inc(sources.attachErrors());
          for (const u of sources.uncounted()) uncounted.set({ interface: u.ifname, vrf: u.vrf, reason: u.reason }, 1);
          const datapath = sources.datapath;
          for (const status of datapath?.status ?? []) {
            familyLoaded.set({ family: status.family }, status.loaded ? 1 : 0);
            familyEnabled.set({ family: status.family }, status.disabled ? 0 : 1);
          }
          if (datapath)
            for (const [error, count] of Object.entries(datapath.errors())) datapathErrorCount.inc({ error }, count);
          else for (const error of datapathErrors) datapathErrorCount.inc({ error }, 0);
          for (const { netns, up, stats, applyErrors } of sources.inventoryHealth()) {
            inventoryUp.set({ netns }, up ? 1 : 0);
            refreshErrors.inc({ netns }, (stats?.errors ?? 0) + applyErrors);
            if (stats === undefined) continue;
            refresh.set({ netns }, stats.lastSyncMs / 1000);
            notifications.inc({ netns }, stats.notifications);
            resyncs.inc({ netns, reason: "overflow" }, stats.overflows);
            resyncs.inc({ netns, reason: "drift" }, stats.drifts);
          }
          pinsMissing.set(sources.pinsMissing);
        },
      );
    },
  });
  for (const m of siblings) registry.registerMetric(m);
}

/** Registered last, so each scrape reports on the collections it just ran. */
export function registerCollectorHealth(registry: Registry, runs: CollectorRuns): void {
  const duration = new Gauge({
    name: "vrf_agent_collector_duration_seconds",
    help: "How long a collector took in this scrape.",
    labelNames: ["collector"],
    registers: [],
  });
  new Gauge({
    name: "vrf_agent_collector_success",
    help: "Whether a collector succeeded in this scrape (1) or failed and exported nothing (0).",
    labelNames: ["collector"],
    registers: [registry],
    collect() {
      this.reset();
      duration.reset();
      for (const [collector, outcome] of runs.outcomes) {
        this.set({ collector }, outcome.success ? 1 : 0);
        duration.set({ collector }, outcome.seconds);
      }
    },
  });
  registry.registerMetric(duration);
}
