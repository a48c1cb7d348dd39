/** The agent's Prometheus registry: every family, collected at scrape time, rendered on demand. */
import { collectDefaultMetrics, Registry } from "prom-client";
import { CollectorRuns } from "./collector.js";
import { registerAgent, registerCollectorHealth } from "./families/agent.js";
import { registerDatapath } from "./families/datapath.js";
import { registerInventory } from "./families/inventory.js";
import type { MetricSources } from "./sources.js";

/** The metric families, each one collector named in vrf_agent_collector_success and one `--collector.NAME` flag. */
export const metricFamilies = ["inventory", "datapath", "agent"] as const;
export type MetricFamily = (typeof metricFamilies)[number];

export interface MetricsOptions {
  /** process_* and nodejs_*: off with `--web.disable-exporter-metrics`. */
  exporterMetrics: boolean;
  /** A family left out is not registered, so a scrape neither exports nor collects it. */
  families: ReadonlySet<MetricFamily>;
}

export const allMetrics: Readonly<MetricsOptions> = { exporterMetrics: true, families: new Set(metricFamilies) };

export interface Metrics {
  registry: Registry;
  render(): Promise<{ contentType: string; body: string }>;
}

const registerers = {
  inventory: registerInventory,
  datapath: registerDatapath,
  agent: registerAgent,
} satisfies Record<MetricFamily, unknown>;

export function createMetrics(
  sources: MetricSources,
  onError: (collector: string, error: unknown) => void,
  options: Readonly<MetricsOptions> = allMetrics,
): Metrics {
  const registry = new Registry();
  const runs = new CollectorRuns(onError);
  if (options.exporterMetrics) {
    // process_* as every exporter has them; the Node.js runtime's own on top. The event loop
    // lag is sampled every 100 ms, not prom-client's 10: at 10 ms its timer woke the idle agent
    // 200 times a second, about 6 ms of CPU each second for a figure nobody needs that fine.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
    // Gauges named like counters, which promtool rejects; the same counts stay exported by type
    // in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
    for (const name of [
      "nodejs_active_handles_total",
      "nodejs_active_requests_total",
      "nodejs_active_resources_total",
    ]) {
      registry.removeSingleMetric(name);
    }
  }
  for (const family of metricFamilies) if (options.families.has(family)) registerers[family](registry, sources, runs);
  registerCollectorHealth(registry, runs);
  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
