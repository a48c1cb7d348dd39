/**
 * The dashboards as data: the built JSON of each, every query of every panel (read back from the
 * built dashboards, so what is checked is what Grafana gets), and the variable substitution
 * that turns a panel query into PromQL a plain Prometheus evaluates. The generator, the unit
 * tests and the lab test against a real Prometheus all start here.
 */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { agentHealthDashboard } from "./agent-health.js";
import { detailDashboard } from "./detail.js";
import { isolationDashboard } from "./isolation.js";
import { overviewDashboard } from "./overview.js";

/** In the order the docs present them: overview first, agent health last. */
const builders: (() => dashboard.Dashboard)[] = [
  overviewDashboard,
  detailDashboard,
  isolationDashboard,
  agentHealthDashboard,
];

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

/** Panels in grid order, with the panels of collapsed rows (none today) in their place. */
export function panelsOf(built: dashboard.Dashboard): dashboard.Panel[] {
  return (built.panels ?? []).flatMap((p) =>
    p.type === "row" ? ((p as dashboard.RowPanel).panels ?? []) : [p as dashboard.Panel],
  );
}

/** A Prometheus target's expression; other data sources' targets have none. */
function exprOf(target: unknown): { refId: string; expr: string } | undefined {
  if (typeof target !== "object" || target === null) return undefined;
  const { expr, refId } = target as { expr?: unknown; refId?: unknown };
  return typeof expr === "string" && typeof refId === "string" ? { refId, expr } : undefined;
}

function built(): dashboard.Dashboard[] {
  return builders.map((build) => build());
}

/** Every query of every panel of every dashboard; `dashboard` is the uid, `panel` the title. */
export function panelQueries(): PanelQuery[] {
  return built().flatMap((d) =>
    panelsOf(d).flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) => {
        const query = exprOf(target);
        return query ? [{ dashboard: d.uid ?? "", panel: panel.title ?? "", ...query }] : [];
      }),
    ),
  );
}

/** The values a query's variables take when there is no Grafana to choose them. */
export interface VariableValues {
  vrf?: string;
  instance?: string;
  netns?: string;
}

/**
 * A panel (or variable) query as plain PromQL: the template variables become the values given
 * or their All value (`.+` for vrf and instance, `.*` for netns, which matches the agent's own
 * namespace, netns=""), and Grafana's interval variables fixed durations. Values go in as
 * written, as regexes: every use is `=~`. Any other variable throws, so a query using one that is
 * not handled here fails its tests instead of reaching Prometheus as `$something`.
 */
export function resolveVariables(expr: string, values: VariableValues = {}): string {
  const known: Record<string, string> = {
    vrf: values.vrf ?? ".+",
    instance: values.instance ?? ".+",
    netns: values.netns ?? ".*",
    __rate_interval: "1m",
    __interval: "15s",
    __range: "1h",
  };
  // $name, ${name}, ${name:format} and the deprecated [[name]]: Grafana's four spellings.
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)/g, (whole, braced, bracketed, plain) => {
    const name = String(braced ?? bracketed ?? plain);
    const value = known[name];
    if (value === undefined) throw new Error(`resolveVariables: no value for ${whole} in ${expr}`);
    return value;
  });
}

export interface BuiltDashboard {
  uid: string;
  title: string;
  /** Where the generator writes it, relative to the project root. */
  file: string;
  /** The dashboard JSON model, ready to import (plain data: no builder methods left in it). */
  json: unknown;
}

export function dashboards(): BuiltDashboard[] {
  return built().map((d) => {
    const uid = d.uid ?? "";
    return { uid, title: d.title ?? "", file: `dashboards/grafana/${uid}.json`, json: JSON.parse(JSON.stringify(d)) };
  });
}
