/**
 * The Prometheus rules in dashboards/rules/: promtool checks them and runs their unit tests, and
 * the static checks below hold them to the metric contract (docs/metrics.md), so a metric that
 * is renamed or dropped fails here instead of leaving an alert that can never fire again.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { projectRoot } from "../../agent/artifacts.js";

const rulesDir = join(projectRoot, "dashboards", "rules");
const rulesFile = join(rulesDir, "vrf-agent.rules.yml");
const testsFile = join(rulesDir, "vrf-agent.rules.test.yml");

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleFile {
  groups: { name: string; interval?: string; rules: Rule[] }[];
}

interface TestFile {
  tests: {
    name?: string;
    alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
    promql_expr_test?: { expr: string }[];
  }[];
}

const loadYaml = async <T>(file: string): Promise<T> => parse(await readFile(file, "utf8")) as T;

const rules = async () => (await loadYaml<RuleFile>(rulesFile)).groups.flatMap((g) => g.rules);

/** `### name` headings of a doc. */
async function headings(...path: string[]): Promise<Set<string>> {
  const doc = await readFile(join(projectRoot, ...path), "utf8");
  return new Set([...doc.matchAll(/^### (\S+)\s*$/gm)].map((m) => m[1] ?? ""));
}

/** Words of PromQL that can stand where a metric name could, and are not one. */
const keywords = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan", "group_left", "group_right"]);

/**
 * The metric names an expression selects. Not a PromQL parser, but enough for the rules we
 * write: string literals, label matchers, ranges and the label lists of by/without/on/ignoring/
 * group_left/group_right are cut out first; an identifier followed by `(` is a function or an
 * aggregation; durations and numbers never start with a letter.
 */
function metricNames(expr: string): Set<string> {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#.*$/gm, "")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const name = m[1] ?? "";
    if (m[2] === undefined && !keywords.has(name.toLowerCase())) names.add(name);
  }
  return names;
}

describe("metricNames", () => {
  it("finds the selected metrics and nothing else", () => {
    const expr = `sum without (family) (rate(vrf_receive_packets_total{netns="",vrf=~"red|blue"}[5m] offset 1h))
      > 3 * on (instance) group_left (table) max_over_time(vrf_info[1h:5m])
      and bool vrf:vrf_receive_packets:rate5m > 1e3 unless absent(up{job="x"}) or Inf`;
    expect(metricNames(expr)).toEqual(
      new Set(["vrf_receive_packets_total", "vrf_info", "vrf:vrf_receive_packets:rate5m", "up"]),
    );
  });
});

describe("dashboards/rules/vrf-agent.rules.yml", () => {
  it("passes promtool check rules", async () => {
    const result = await execa("promtool", ["check", "rules", "--lint=all", "--lint-fatal", rulesFile], {
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all || result.message).toBe(0);
  });

  it("passes its promtool unit tests", async () => {
    const result = await execa("promtool", ["test", "rules", testsFile], { reject: false, all: true, timeout: 60_000 });
    expect(result.exitCode, result.all || result.message).toBe(0);
  }, 60_000);

  it("names only metrics that docs/metrics.md documents", async () => {
    const all = await rules();
    const documented = await headings("docs", "metrics.md");
    // Recording rules this file defines, and Prometheus' own `up`, are not the agent's.
    const recorded = new Set(all.flatMap((r) => (r.record ? [r.record] : [])));
    const undocumented: string[] = [];
    const used = new Set<string>();
    for (const rule of all) {
      // A name given as {__name__=...} would slip past metricNames.
      expect(rule.expr, rule.record ?? rule.alert).not.toMatch(/__name__/);
      for (const name of metricNames(rule.expr)) {
        if (recorded.has(name) || name === "up") continue;
        used.add(name);
        if (!documented.has(name)) undocumented.push(`${rule.record ?? rule.alert}: ${name}`);
      }
    }
    expect(undocumented).toEqual([]);
    // Not vacuous: the parse found the metrics the alerts are about.
    expect(used).toContain("vrf_cross_packets_total");
    expect(used).toContain("vrf_cross_expected");
    expect(used).toContain("vrf_agent_hooks_attached");
  });

  it("names recordings level:metric:operations, after a documented metric and the range they use", async () => {
    const documented = await headings("docs", "metrics.md");
    const file = await loadYaml<RuleFile>(rulesFile);
    const recording = file.groups.find((g) => g.name === "vrf-agent.rules");
    expect(recording?.interval, "the recording group runs at the global interval").toBeUndefined();
    const records = (recording?.rules ?? []).map((r) => r.record);
    expect(records).not.toContain(undefined);
    expect(records.length).toBeGreaterThan(0);
    for (const rule of recording?.rules ?? []) {
      const [level, metric, operation, ...rest] = (rule.record ?? "").split(":");
      expect(rest, rule.record).toEqual([]);
      expect(level, rule.record).toMatch(/^[a-z_]+$/);
      // By convention a rate drops the counter's _total.
      expect(documented.has(`${metric}_total`) || documented.has(metric ?? ""), rule.record).toBe(true);
      expect(metricNames(rule.expr), rule.record).toEqual(new Set([`${metric}_total`]));
      const rate = /^rate(\d+[smhd])$/.exec(operation ?? "");
      expect(rate, rule.record).not.toBeNull();
      expect(rule.expr, rule.record).toContain(`rate(${metric}_total[${rate?.[1]}])`);
    }
  });

  it("gives every alert a severity, a summary, a description, a runbook and a section in docs/alerts.md", async () => {
    const file = await loadYaml<RuleFile>(rulesFile);
    const alerting = file.groups.find((g) => g.name === "vrf-agent.alerts");
    const alerts = alerting?.rules ?? [];
    expect(alerts.filter((a) => a.alert === undefined)).toEqual([]);
    for (const alert of alerts) {
      expect(["critical", "warning", "info"], alert.alert).toContain(alert.labels?.severity);
      for (const key of ["summary", "description", "runbook"]) {
        expect(alert.annotations?.[key]?.trim(), `${alert.alert} ${key}`).toBeTruthy();
      }
    }
    const names = alerts.map((a) => a.alert ?? "");
    expect(new Set(names).size, "alert names are unique").toBe(names.length);
    expect(await headings("docs", "alerts.md")).toEqual(new Set(names));
  });

  it("has a promtool test where each alert fires, one where it must not, and one for each recording", async () => {
    const all = await rules();
    const tests = (await loadYaml<TestFile>(testsFile)).tests;
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    const untested: string[] = [];
    for (const rule of all) {
      if (rule.alert) {
        const mine = cases.filter((c) => c.alertname === rule.alert);
        if (!mine.some((c) => (c.exp_alerts ?? []).length > 0)) untested.push(`${rule.alert} firing`);
        if (!mine.some((c) => (c.exp_alerts ?? []).length === 0)) untested.push(`${rule.alert} silent`);
      } else if (!tests.some((t) => (t.promql_expr_test ?? []).some((e) => e.expr === rule.record))) {
        untested.push(`${rule.record} value`);
      }
    }
    expect(untested).toEqual([]);
  });
});
