/** The agent's Prometheus registry: every family, collected at scrape time, rendered on demand. */
import { collectDefaultMetrics, Registry } from "prom-client";
import { CollectorRuns } from "./collector.js";
import { registerAgent, registerCollectorHealth } from "./families/agent.js";
import { registerDatapath } from "./families/datapath.js";
import { registerInventory } from "./families/inventory.js";
import type { MetricSources } from "./sources.js";

export interface Metrics {
  registry: Registry;
  render(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(sources: MetricSources, onError: (collector: string, error: unknown) => void): Metrics {
  const registry = new Registry();
  const runs = new CollectorRuns(onError);
  // process_* as every exporter has them; the Node.js runtime's own on top.
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool rejects; the same counts stay exported by type
  // in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
    registry.removeSingleMetric(name);
  }
  registerInventory(registry, sources, runs);
  registerDatapath(registry, sources, runs);
  registerAgent(registry, sources, runs);
  registerCollectorHealth(registry, runs);
  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
