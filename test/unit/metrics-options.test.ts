import { describe, expect, it } from "vitest";
import { createMetrics, type MetricFamily } from "../../agent/metrics/registry.js";
import { AgentState } from "../../agent/state.js";

function render(exporterMetrics: boolean, families: MetricFamily[]) {
  const facts = { version: "0", kernel: "k", libbpf: "1.1", attachMode: "tcx" };
  const state = new AgentState(facts, undefined, undefined, new Map(), []);
  return createMetrics(state, () => {}, { exporterMetrics, families: new Set(families) }).render();
}

const names = (body: string) => new Set([...body.matchAll(/^# TYPE (\w+)/gm)].map((m) => m[1]));

describe("the metrics options", () => {
  it("exports process_* and nodejs_* unless the exporter metrics are off", async () => {
    const all = names((await render(true, ["inventory", "datapath", "agent"])).body);
    expect(all).toContain("process_cpu_seconds_total");
    expect(all).toContain("nodejs_heap_size_used_bytes");
    const none = [...names((await render(false, ["inventory", "datapath", "agent"])).body)];
    expect(none.filter((name) => /^(process|nodejs)_/.test(name ?? ""))).toEqual([]);
    expect(none).toContain("vrf_agent_build_info");
  });

  it("leaves a disabled family out: none of its series, and no collector run reported for it", async () => {
    const { body } = await render(false, ["datapath"]);
    expect(names(body)).not.toContain("vrf_agent_build_info");
    expect(names(body)).not.toContain("vrf_info");
    expect(body).not.toMatch(/vrf_agent_collector_success\{collector="(agent|inventory)"\}/);
    const full = (await render(false, ["inventory", "datapath", "agent"])).body;
    expect(full).toMatch(/vrf_agent_collector_success\{collector="agent"\} 1/);
    expect(full).toMatch(/vrf_agent_collector_success\{collector="inventory"\} 1/);
  });
});
