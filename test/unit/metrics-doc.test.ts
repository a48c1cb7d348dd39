import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../agent/artifacts.js";
import { createMetrics } from "../../agent/metrics/registry.js";
import { AgentState } from "../../agent/state.js";

/** Name -> type of the families the agent registers (not prom-client's process_*, nodejs_*). */
function registered(): Map<string, string> {
  const facts = { version: "0", kernel: "k", libbpf: "1.1", attachMode: "tcx" };
  const { registry } = createMetrics(new AgentState(facts, undefined, undefined, new Map(), []), () => {});
  return new Map(
    registry
      .getMetricsAsArray()
      .filter((m) => m.name.startsWith("vrf_"))
      .map((m) => [m.name, String(m.type)]),
  );
}

describe("docs/metrics.md", () => {
  it("documents exactly the metrics the agent registers, each with its type", async () => {
    const doc = await readFile(join(projectRoot, "docs", "metrics.md"), "utf8");
    const documented = new Map(
      [...doc.matchAll(/^### (\w+)\n(\w+)/gm)].map((m) => [m[1] ?? "", (m[2] ?? "").toLowerCase()]),
    );
    expect(documented).toEqual(registered());
  });
});
