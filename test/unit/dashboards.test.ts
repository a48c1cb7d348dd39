/**
 * The Grafana dashboards (dashboards/src/): the committed JSON and docs are what the generator
 * writes; every query names only metrics and labels docs/metrics.md documents (so renaming one in
 * the agent without the dashboards fails here); every panel says what it shows and in which
 * unit; and the JSON has what Grafana needs to import it. Whether the queries return what a
 * scenario calls for is the lab tier's job (test/lab/prometheus.test.ts).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { projectRoot } from "../../agent/artifacts.js";
import { configChecks } from "../../agent/inventory/types.js";
import { dashboards, panelQueries, resolveVariables } from "../../dashboards/src/catalog.js";
import { generatedFiles } from "../../dashboards/src/outputs.js";
import { checkQuery, type LabelsOf } from "../../dashboards/src/promql.js";
import { promDatasource } from "../../dashboards/src/shared.js";

/** Debian's prometheus package brings it (scripts/setup.sh); elsewhere that one check is skipped. */
const promtool = (process.env.PATH ?? "")
  .split(delimiter)
  .some((dir) => dir !== "" && existsSync(join(dir, "promtool")));

/** Prometheus' own per-target series, which the agent health dashboard may use besides the agent's. */
const prometheusOwn: Record<string, string[]> = { up: [], scrape_duration_seconds: [] };

/** Metric -> labels, read from docs/metrics.md: each `### name` and the backquoted names of its "Labels:" sentence. */
async function documentedMetrics(): Promise<Map<string, string[]>> {
  const doc = await readFile(join(projectRoot, "docs", "metrics.md"), "utf8");
  const metrics = new Map<string, string[]>();
  for (const section of doc.split(/^### /m).slice(1)) {
    const name = (section.split("\n", 1)[0] ?? "").trim();
    // The sentence ends at the first full stop; parentheses in it list values, not labels.
    const sentence = /Labels:([\s\S]*?)\.(?:\s|$)/.exec(section)?.[1] ?? "";
    const labels = [...sentence.replace(/\([^)]*\)/g, "").matchAll(/`(\w+)`/g)].map((m) => m[1] ?? "");
    metrics.set(name, labels);
  }
  return metrics;
}

async function labelsOf(): Promise<LabelsOf> {
  const documented = await documentedMetrics();
  return (metric) => documented.get(metric) ?? prometheusOwn[metric];
}

interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  fieldConfig?: {
    defaults?: { unit?: string };
    overrides?: { matcher: { id: string; options: string }; properties: { id: string; value: unknown }[] }[];
  };
  options?: { sortBy?: { displayName: string }[] };
  targets?: { refId?: string; expr?: string; datasource?: { type?: string } }[];
  transformations?: { id: string; options: { include?: { names: string[] }; renameByName?: Record<string, string> } }[];
}

interface DashboardJson {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: PanelJson[];
  templating: { list: dashboard.VariableModel[] };
  annotations: { list?: unknown[] };
}

/** The built dashboards as Grafana receives them: through JSON, so nothing but data is left. */
const built = dashboards().map((d) => ({ ...d, json: JSON.parse(JSON.stringify(d.json)) as DashboardJson }));
const panels = (d: DashboardJson) => d.panels.filter((p) => p.type !== "row");

describe("generated files", () => {
  it("are committed as the generator writes them (else: npm run dashboards)", async () => {
    for (const file of generatedFiles()) {
      const committed = await readFile(join(projectRoot, file.path), "utf8").catch(() => "(missing)");
      expect(committed, `${file.path} is stale: run npm run dashboards`).toBe(file.content);
    }
  });

  it("leave no JSON of a dashboard that no longer exists", async () => {
    const present = (await readdir(join(projectRoot, "dashboards", "grafana"))).filter((f) => f.endsWith(".json"));
    expect(present.sort()).toEqual(built.map((d) => `${d.uid}.json`).sort());
  });

  it("are four dashboards with the agreed uids, each in its own file", () => {
    expect(built.map((d) => [d.uid, d.file])).toEqual([
      ["vrf-overview", "dashboards/grafana/vrf-overview.json"],
      ["vrf-detail", "dashboards/grafana/vrf-detail.json"],
      ["vrf-isolation", "dashboards/grafana/vrf-isolation.json"],
      ["vrf-agent-health", "dashboards/grafana/vrf-agent-health.json"],
    ]);
  });
});

describe("queries", () => {
  it("read metrics.md the way the checks below need it", async () => {
    const documented = await documentedMetrics();
    expect(documented.get("vrf_info")).toEqual(["netns", "vrf", "table"]);
    expect(documented.get("vrf_unreachable_hits_total")).toEqual(["netns", "vrf", "family", "route"]);
    expect(documented.get("vrf_l3mdev_accept")).toEqual(["netns", "protocol"]);
    expect(documented.get("vrf_agent_attach_errors_total")).toEqual([]);
    expect(documented.size).toBeGreaterThanOrEqual(25);
  });

  it("come from every panel, and every panel has at least one", () => {
    const queries = panelQueries();
    for (const d of built) {
      for (const panel of panels(d.json)) {
        const own = queries.filter((q) => q.dashboard === d.uid && q.panel === panel.title);
        expect(own.length, `${d.uid} / ${panel.title}`).toBeGreaterThan(0);
        expect(
          own.map((q) => q.refId),
          `${d.uid} / ${panel.title}`,
        ).toEqual(panel.targets?.map((t) => t.refId));
      }
    }
  });

  it("name only documented metrics, and only labels those metrics have, in matchers and groupings", async () => {
    const known = await labelsOf();
    const problems: string[] = [];
    const used = new Set<string>();
    for (const q of panelQueries()) {
      const check = checkQuery(resolveVariables(q.expr), known);
      for (const m of check.metrics) used.add(m);
      for (const p of check.problems) problems.push(`${q.dashboard} / ${q.panel} (${q.refId}): ${p}`);
    }
    expect(problems).toEqual([]);
    // The dashboards cover the contract: every agent metric appears in some panel.
    const documented = [...(await documentedMetrics()).keys()];
    expect(documented.filter((m) => !used.has(m))).toEqual([]);
  });

  it("in variables name only documented metrics and labels", async () => {
    const known = await labelsOf();
    for (const d of built) {
      for (const v of d.json.templating.list.filter((v) => v.type === "query")) {
        const match = /^label_values\((?:(.+),\s*)?(\w+)\)$/.exec(String(v.query));
        expect(match, `${d.uid} $${v.name}: ${String(v.query)}`).not.toBeNull();
        const [, selector = "", label = ""] = match ?? [];
        const check = checkQuery(resolveVariables(selector), known);
        expect(check.problems, `${d.uid} $${v.name}`).toEqual([]);
        for (const metric of check.metrics) expect([...(known(metric) ?? []), "instance", "job"]).toContain(label);
      }
    }
  });

  it("match only configuration checks that exist", () => {
    for (const q of panelQueries()) {
      for (const m of checkQuery(resolveVariables(q.expr), () => undefined).matchers.filter(
        (m) => m.label === "check",
      )) {
        const matches = configChecks.filter((c) => new RegExp(`^(?:${m.value})$`).test(c));
        expect(matches.length, `${q.dashboard} / ${q.panel}: check=~"${m.value}"`).toBeGreaterThan(0);
        for (const alternative of m.value.split("|")) expect(configChecks).toContain(alternative);
      }
    }
  });

  it("are plain PromQL once their variables are resolved", () => {
    for (const q of panelQueries())
      expect(resolveVariables(q.expr), `${q.dashboard} / ${q.panel}`).not.toMatch(/\$|\[\[/);
  });

  it.skipIf(!promtool)("parse with Prometheus' own parser (promtool)", async () => {
    const exprs = [...new Set(panelQueries().map((q) => resolveVariables(q.expr)))];
    const dir = await mkdtemp(join(tmpdir(), "vrf-agent-dashboards-"));
    try {
      const file = join(dir, "queries.yml");
      const rules = exprs.map((expr, i) => ({ record: `dashboard:query:${i}`, expr }));
      await writeFile(file, stringify({ groups: [{ name: "dashboards", rules }] }));
      const result = await execa("promtool", ["check", "rules", file], { reject: false, all: true });
      expect(result.all, "promtool check rules").toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(result.exitCode).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("resolveVariables", () => {
  it("substitutes every spelling of the variables, with All values by default", () => {
    const expr =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable spellings are the point here.
      'rate(x{vrf=~"$vrf", a=~"${vrf}", b=~"${vrf:regex}", c=~"[[vrf]]", instance=~"$instance", netns=~"$netns"}[$__rate_interval])';
    expect(resolveVariables(expr)).toBe(
      'rate(x{vrf=~".+", a=~".+", b=~".+", c=~".+", instance=~".+", netns=~".*"}[1m])',
    );
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable spelling.
      resolveVariables('x{vrf=~"$vrf", netns=~"$netns", instance=~"${instance}"}', {
        vrf: "red",
        netns: "",
        instance: "h:9852",
      }),
    ).toBe('x{vrf=~"red", netns=~"", instance=~"h:9852"}');
    expect(resolveVariables("increase(x[$__range]) and increase(x[$__interval])")).toBe(
      "increase(x[1h]) and increase(x[15s])",
    );
  });

  it("refuses a variable it has no value for, rather than pass `$name` to Prometheus", () => {
    expect(() => resolveVariables('x{a=~"$tenant"}')).toThrow(/\$tenant/);
    expect(() => resolveVariables("x[$__range_ms]")).toThrow(/__range_ms/);
  });
});

describe("the PromQL check", () => {
  const known: LabelsOf = (m) =>
    ({ vrf_drops_total: ["netns", "vrf", "reason"], vrf_cross_expected: ["netns", "src_vrf", "dst_vrf"] })[m];
  const problems = (expr: string) => checkQuery(expr, known).problems;

  it("passes a query that names what exists", () => {
    expect(problems('sum by (instance, vrf) (rate(vrf_drops_total{vrf=~"red", netns=""}[1m])) > 0')).toEqual([]);
    expect(
      problems("sum by (src_vrf, dst_vrf) (vrf_cross_expected) unless on (src_vrf, dst_vrf) vrf_cross_expected == 1"),
    ).toEqual([]);
    expect(problems('label_replace(vrf_drops_total, "why", "$1", "reason", "(.*)")')).toEqual([]);
    expect(problems('sum by (why) (label_replace(vrf_drops_total, "why", "$1", "reason", "(.*)"))')).toEqual([]);
  });

  it("flags a renamed metric, and a label in a matcher, a by, an on or a group_left that the operand does not carry", () => {
    expect(problems("rate(vrf_dropped_total[1m])")).toEqual(["unknown metric vrf_dropped_total"]);
    expect(problems('vrf_drops_total{tenant="red"}')).toEqual(["vrf_drops_total has no label tenant"]);
    expect(problems("sum by (vrf, why) (vrf_drops_total)")).toHaveLength(1);
    expect(problems("sum without (why) (vrf_drops_total)")).toHaveLength(1);
    // Labels are gone after an aggregation that did not keep them.
    expect(problems("max by (reason) (sum by (vrf) (vrf_drops_total))")).toHaveLength(1);
    expect(problems("vrf_drops_total * on (vrf) vrf_cross_expected")).toHaveLength(1);
    expect(problems("vrf_drops_total * on (netns) group_left (vrf) vrf_cross_expected")).toHaveLength(1);
  });

  it("says which labels a result carries: a table's label columns", () => {
    expect(checkQuery("max by (instance, vrf) (vrf_drops_total)", known).labels?.sort()).toEqual(["instance", "vrf"]);
    expect(checkQuery("sum(vrf_drops_total) or vector(0)", known).labels).toEqual([]);
    expect(checkQuery("1 + 1", known).labels).toBeNull();
  });
});

describe("panels", () => {
  const knownUnits = new Set<unknown>(Object.values(units).filter((u) => typeof u === "string"));

  it("each have a unit Grafana knows and a description of what to conclude", () => {
    for (const d of built) {
      for (const panel of panels(d.json)) {
        const where = `${d.uid} / ${panel.title}`;
        expect(knownUnits, where).toContain(panel.fieldConfig?.defaults?.unit);
        for (const o of panel.fieldConfig?.overrides ?? []) {
          for (const p of o.properties.filter((p) => p.id === "unit")) expect(knownUnits, where).toContain(p.value);
        }
        expect(panel.title, where).toBeTruthy();
        // A sentence at least: what it shows and what to do about it.
        expect(panel.description?.length ?? 0, where).toBeGreaterThan(80);
      }
    }
  });

  it("have titles unique within their dashboard (the catalog names panels by title)", () => {
    for (const d of built) {
      const titles = panels(d.json).map((p) => p.title);
      expect(new Set(titles).size, d.uid).toBe(titles.length);
    }
  });

  it("in tables show only columns their queries produce, and sort and style them by their titles", async () => {
    const known = await labelsOf();
    for (const d of built) {
      for (const panel of panels(d.json).filter((p) => p.type === "table")) {
        const where = `${d.uid} / ${panel.title}`;
        const targets = panel.targets ?? [];
        const values = targets.length === 1 ? ["Value"] : targets.map((t) => `Value #${t.refId}`);
        const labels = targets.flatMap((t) => checkQuery(resolveVariables(t.expr ?? ""), known).labels ?? []);
        const fields = panel.transformations?.find((t) => t.id === "filterFieldsByName")?.options.include?.names ?? [];
        expect(fields.length, where).toBeGreaterThan(0);
        for (const field of fields) expect([...values, ...labels], where).toContain(field);
        const titles = Object.values(
          panel.transformations?.find((t) => t.id === "organize")?.options.renameByName ?? {},
        );
        for (const s of panel.options?.sortBy ?? []) expect(titles, where).toContain(s.displayName);
        for (const o of panel.fieldConfig?.overrides ?? []) expect(titles, where).toContain(o.matcher.options);
      }
    }
  });
});

describe("the dashboard JSON", () => {
  // The panel plugin ids the SDK's builders write, rather than strings of our own.
  const panelTypes = new Set(
    [
      new timeseries.PanelBuilder(),
      new table.PanelBuilder(),
      new stat.PanelBuilder(),
      new statetimeline.PanelBuilder(),
    ].map((b) => b.build().type),
  );

  it("has what Grafana needs to import it: schema version, uid, title, annotations, typed panels", () => {
    for (const d of built) {
      expect(d.json.uid).toBe(d.uid);
      expect(d.json.title).toBe(d.title);
      expect(d.json.schemaVersion).toBeGreaterThanOrEqual(39);
      expect(d.json.annotations.list?.length, d.uid).toBe(1);
      for (const panel of d.json.panels)
        expect(["row", ...panelTypes], `${d.uid} / ${panel.title}`).toContain(panel.type);
    }
  });

  it("places every panel on the 24-column grid, without overlaps, with unique ids", () => {
    for (const d of built) {
      const taken = new Set<string>();
      const ids = new Set<number>();
      for (const panel of d.json.panels) {
        const where = `${d.uid} / ${panel.title}`;
        const g = panel.gridPos;
        expect(g, where).toBeDefined();
        if (!g) continue;
        expect(g.x + g.w, where).toBeLessThanOrEqual(24);
        expect(g.h * g.w, where).toBeGreaterThan(0);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(taken.has(`${x},${y}`), `${where} overlaps at ${x},${y}`).toBe(false);
            taken.add(`${x},${y}`);
          }
        }
        expect(panel.id, where).toBeDefined();
        ids.add(panel.id ?? -1);
      }
      expect(ids.size, d.uid).toBe(d.json.panels.length);
    }
  });

  it("queries the Prometheus chosen in $datasource, in every panel and target", () => {
    for (const d of built) {
      for (const panel of panels(d.json)) {
        expect(panel.datasource, `${d.uid} / ${panel.title}`).toEqual(promDatasource);
        for (const t of panel.targets ?? []) expect(t.datasource?.type).toBe("prometheus");
        const refIds = (panel.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
      }
    }
  });

  it("has the four variables, chained on $instance, with All values that match the agent's own namespace", () => {
    for (const d of built) {
      const byName = new Map(d.json.templating.list.map((v) => [v.name, v]));
      expect([...byName.keys()], d.uid).toEqual(["datasource", "instance", "netns", "vrf"]);
      expect(byName.get("datasource")).toMatchObject({ type: "datasource", query: "prometheus" });
      expect(byName.get("instance")).toMatchObject({
        type: "query",
        query: "label_values(vrf_agent_build_info, instance)",
        datasource: promDatasource,
      });
      // netns="" is the agent's own namespace: All must be `.*`, which matches it.
      expect(byName.get("netns")).toMatchObject({
        type: "query",
        query: 'label_values(vrf_info{instance=~"$instance"}, netns)',
        includeAll: true,
        allValue: ".*",
      });
      const vrf = byName.get("vrf");
      expect(vrf).toMatchObject({ type: "query", query: 'label_values(vrf_info{instance=~"$instance"}, vrf)' });
      if (d.uid === "vrf-detail") expect(vrf).toMatchObject({ multi: false, includeAll: false });
      else expect(vrf).toMatchObject({ multi: true, includeAll: true, allValue: ".+" });
    }
  });
});
