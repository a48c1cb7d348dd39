/**
 * The dashboards and rules against a real Prometheus: Debian's server on the host (loopback, a
 * throwaway data folder) scrapes the agent in the lab guest while scenarios run; then every panel
 * query and every rule expression is evaluated through the HTTP API and must give the results
 * the scenario calls for. A query naming a metric or label the agent does not export comes back
 * empty and fails here.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { projectRoot } from "../../agent/artifacts.js";
import { panelQueries, resolveVariables } from "../../dashboards/src/catalog.js";
import { agentPort, startAgent } from "../../lab/agent.js";
import { Lab } from "../../lab/lab.js";
import {
  addLeak,
  applyTopology,
  removeUnreachableDefault,
  startSteadyTraffic,
  startUdpStream,
  unroutedDestination,
} from "../../lab/scenarios.js";
import { type Prometheus, startPrometheus } from "../support/prometheus.js";

const rulesFile = join(projectRoot, "dashboards", "rules", "vrf-agent.rules.yml");

interface RuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}

/** Polls until `check` passes, for what Prometheus only learns after a few scrapes. */
async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 500)}`);
    await sleep(1000);
  }
}

describe("dashboards and rules against a real Prometheus scraping the lab", () => {
  let lab: Lab;
  let prometheus: Prometheus;
  let rules: RuleFile;
  const leakAlerts = async () =>
    (await prometheus.alerts()).filter(
      (a) => a.labels.alertname === "VrfUnexpectedCrossTraffic" && a.state !== "inactive",
    );

  beforeAll(async () => {
    rules = parse(await readFile(rulesFile, "utf8")) as RuleFile;
    lab = await Lab.boot({ forwardPorts: [agentPort] });
    await applyTopology(lab);
    const config = join(lab.outDir, "agent.yaml");
    await writeFile(config, "expected_cross_vrf:\n  - from: green\n    to: blue\n");
    await startAgent(lab, [`--config.file=${config}`]);
    await startSteadyTraffic(lab);
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${lab.hostPort(agentPort)}`], ruleFiles: [rulesFile] });
    await eventually(
      "the agent target",
      () => prometheus.targetsUp(),
      (up) => up,
    );
  });
  afterAll(async () => {
    await prometheus?.stop();
    await lab?.shutdown();
  });

  it("raises no leak alert while no traffic crosses VRFs", async () => {
    // Long enough for rates over a few scrapes to exist and for any false alarm to show.
    await eventually(
      "rates",
      () => prometheus.query("rate(vrf_receive_packets_total[1m])"),
      (r) => r.length > 0,
    );
    await sleep(5000);
    expect(await leakAlerts()).toEqual([]);
    expect(await prometheus.query("sum(rate(vrf_cross_packets_total[1m]))")).toEqual([]);
  });

  describe("with a leak, unreachable traffic and a VRF missing its unreachable default", () => {
    beforeAll(async () => {
      const leak = await addLeak(lab, { from: "red", to: "blue" });
      await startUdpStream(lab, { name: "leak", from: "eth1", to: leak.destination, intervalMs: 50 });
      await startUdpStream(lab, { name: "unrouted", from: "eth3", to: unroutedDestination.ipv4, intervalMs: 100 });
      await removeUnreachableDefault(lab, { vrf: "green", family: "ipv4" });
      await eventually("the leak alert", leakAlerts, (alerts) => alerts.length > 0);
    });

    it("has the unexpected-leak alert pending or firing for red -> blue, and for nothing else", async () => {
      const alerts = await leakAlerts();
      expect(alerts.map((a) => [a.labels.src_vrf, a.labels.dst_vrf])).toEqual([["red", "blue"]]);
      expect(alerts[0]?.annotations.runbook ?? "").not.toBe("");
    });

    it("gives every panel query a result", async () => {
      const empty: string[] = [];
      for (const q of panelQueries()) {
        const expr = resolveVariables(q.expr);
        if ((await prometheus.query(expr)).length === 0)
          empty.push(`${q.dashboard} / ${q.panel} (${q.refId}): ${expr}`);
      }
      expect(empty).toEqual([]);
    });

    it("shows red -> blue, and only that, in the cross-VRF panels", async () => {
      const crossPanels = panelQueries().filter((q) => q.expr.includes("vrf_cross_packets_total"));
      expect(crossPanels.length).toBeGreaterThan(0);
      for (const q of crossPanels) {
        const series = await prometheus.query(resolveVariables(q.expr));
        const pairs = [...new Set(series.map((s) => `${s.metric.src_vrf}->${s.metric.dst_vrf}`))];
        expect(pairs, `${q.dashboard} / ${q.panel}`).toEqual(["red->blue"]);
      }
    });

    it("shows green's missing unreachable default and the unreachable hits in blue", async () => {
      const missing = await prometheus.query('vrf_unreachable_default{vrf="green",family="ipv4"} == 0');
      expect(missing).toHaveLength(1);
      const hits = await prometheus.query(
        'sum by (vrf) (rate(vrf_unreachable_hits_total{route="unreachable"}[1m])) > 0',
      );
      expect(hits.map((s) => s.metric.vrf)).toContain("blue");
    });

    it("evaluates every recording rule to a result", async () => {
      const recorded = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])));
      expect(recorded.length).toBeGreaterThan(0);
      // Rules run on their own interval: a pair born just now has its rate at the next evaluation.
      for (const name of recorded) {
        await eventually(
          name,
          () => prometheus.query(name),
          (result) => result.length > 0,
          30_000,
        );
      }
    });

    it("has the alerts for green's missing default and the down member eth5 at least pending", async () => {
      const active = (await prometheus.alerts()).filter((a) => a.state !== "inactive");
      const named = (alertname: string) => active.filter((a) => a.labels.alertname === alertname);
      expect(named("VrfUnreachableDefaultMissing").map((a) => `${a.labels.vrf}/${a.labels.family}`)).toContain(
        "green/ipv4",
      );
      expect(named("VrfMemberDown").map((a) => a.labels.interface)).toEqual(["eth5"]);
    });

    it("parses and evaluates every alert expression", async () => {
      for (const rule of rules.groups.flatMap((g) => g.rules).filter((r) => r.alert)) {
        await expect(prometheus.query(rule.expr), rule.alert).resolves.toBeInstanceOf(Array);
      }
    });
  });
});
