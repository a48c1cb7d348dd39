/**
 * What every vrf-agent dashboard shares: the Prometheus data source, the four template variables,
 * label selectors that apply them, and the panel factories. A dashboard file only says which
 * panels it has and what they mean; how a panel is drawn is decided here, once.
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import * as units from "@grafana/grafana-foundation-sdk/units";

/** Every panel and variable queries the Prometheus picked in $datasource, so the JSON imports without asking. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, substituted by Grafana.
export const promDatasource: dashboard.DataSourceRef = { type: "prometheus", uid: "${datasource}" };

/** Tag shared by the four dashboards: their link menu lists them by it. */
export const dashboardTag = "vrf-agent";

// ---------------------------------------------------------------------------------------------
// Selectors

/**
 * Which variables a selector filters on, from the metric's labels in docs/metrics.md: every
 * series has `instance`; inventory and datapath metrics have `netns`; per-VRF ones have `vrf`.
 */
export type Scope = "agent" | "netns" | "vrf";

/** `metric{instance=~"$instance", ...}`; `extra` matchers are appended as written. */
export function series(metric: string, scope: Scope, ...extra: string[]): string {
  const matchers = ['instance=~"$instance"'];
  if (scope !== "agent") matchers.push('netns=~"$netns"');
  if (scope === "vrf") matchers.push('vrf=~"$vrf"');
  return `${metric}{${[...matchers, ...extra].join(", ")}}`;
}

/** A series selector filtered by the dashboard's VRF variable too. */
export const vrfSeries = (metric: string, ...extra: string[]) => series(metric, "vrf", ...extra);

/**
 * A cross-VRF metric for the pairs with either end in $vrf: a leak from red into blue concerns
 * both tenants, so it shows on both views. `wrap` applies to each side (e.g. a rate); `or`
 * removes the duplicate when both ends are selected.
 */
export function eitherEnd(metric: string, wrap: (selector: string) => string = (s) => s): string {
  const side = (end: "src_vrf" | "dst_vrf") =>
    wrap(`${metric}{instance=~"$instance", netns=~"$netns", ${end}=~"$vrf"}`);
  return `${side("src_vrf")} or ${side("dst_vrf")}`;
}

/** Per-second rate over Grafana's rate interval: at least four scrape intervals, so one missed scrape leaves no gap. */
export const rate = (selector: string): string => `rate(${selector}[$__rate_interval])`;

/** Events in each rate interval: for rare error counters, where "3 errors" reads better than 0.05/s. */
export const increase = (selector: string): string => `increase(${selector}[$__rate_interval])`;

/** Events over the whole time range picked: a leak an hour ago still shows when its rate is back to 0. */
export const increaseOverRange = (selector: string): string => `increase(${selector}[$__range])`;

// ---------------------------------------------------------------------------------------------
// Variables

function queryVariable(name: string, label: string, query: string, description: string) {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .query(query)
    .datasource(promDatasource)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

const all: dashboard.VariableOption = { text: ["All"], value: ["$__all"] };

/** The four variables, in the order Grafana shows them; `vrf` is one VRF on the detail dashboard. */
export function variables(vrf: "many" | "one"): cog.Builder<dashboard.VariableModel>[] {
  const vrfVariable = queryVariable(
    "vrf",
    "VRF",
    'label_values(vrf_info{instance=~"$instance"}, vrf)',
    vrf === "one" ? "The VRF this dashboard is about." : "VRFs to show; All is every VRF the agents see.",
  );
  if (vrf === "many") vrfVariable.multi(true).includeAll(true).allValue(".+").current(all);
  else vrfVariable.multi(false).includeAll(false);
  return [
    new dashboard.DatasourceVariableBuilder("datasource")
      .label("Data source")
      .description("The Prometheus that scrapes the vrf-agent instances.")
      .type("prometheus"),
    queryVariable(
      "instance",
      "Agent",
      "label_values(vrf_agent_build_info, instance)",
      "The agents (scrape targets) to show.",
    )
      .multi(true)
      .includeAll(true)
      .allValue(".+")
      .current(all),
    // label_values never lists the empty value of the agent's own namespace, so All must be `.*`
    // (which matches it) rather than Grafana's default alternation of the listed names. With no
    // named namespace at all the list is empty and All still selects the agent's own.
    queryVariable(
      "netns",
      "Namespace",
      'label_values(vrf_info{instance=~"$instance"}, netns)',
      'Named network namespaces to show. All includes the agent\'s own namespace (netns=""), where every traffic, drop and cross-VRF counter is.',
    )
      .multi(true)
      .includeAll(true)
      .allValue(".*")
      .allowCustomValue(true)
      .current(all),
    vrfVariable,
  ];
}

// ---------------------------------------------------------------------------------------------
// Panels

/** What every panel states: where it sits, its unit, and what the reader should conclude from it. */
export interface PanelText {
  title: string;
  /** What the panel means and what to do about it: read by the person on call, not the author. */
  description: string;
  unit: string;
  width: number;
  height: number;
}

/** A query to draw: the PromQL and its legend. */
export interface Query {
  expr: string;
  legend: string;
}

/** The panel builders of the SDK, as far as a dashboard needs them: build, and take an id. */
export interface PanelLike {
  build(): dashboard.Panel;
  id(id: number): unknown;
}

const refIds = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const refId = (index: number): string => refIds[index] ?? `Q${index}`;

function rangeQuery(query: Query, index: number): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .expr(query.expr)
    .legendFormat(query.legend)
    .range()
    .refId(refId(index))
    .datasource(promDatasource);
}

/** Instant queries in table format: one row per series, one column per label, `Value #<refId>` per query. */
function tableQuery(expr: string, index: number): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .expr(expr)
    .instant()
    .format(prometheus.PromQueryFormat.Table)
    .refId(refId(index))
    .datasource(promDatasource);
}

/** Threshold steps from a base colour and `[from, colour]` pairs. */
export function steps(base: string, ...above: [number, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...above.map(([value, color]) => ({ value, color }))]);
}

/** Green at 0, red from 1: for counts of things that should not exist. */
export const zeroIsGood = (): dashboard.ThresholdsConfigBuilder => steps("green", [1, "red"]);

/** Value -> text and colour, e.g. `{ 0: ["DOWN", "red"], 1: ["up", "green"] }`. */
export function states(texts: Record<number, [string, string]>): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  Object.entries(texts).forEach(([value, [text, color]], index) => {
    options[value] = { text, color, index };
  });
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

/** The agent's own namespace has netns="" (a missing label to Prometheus): say so instead of an empty cell. */
const ownNamespace: dashboard.ValueMapping[] = [
  dashboard.SpecialValueMatch.Empty,
  dashboard.SpecialValueMatch.Null,
].map((match, index) => ({
  type: dashboard.MappingType.SpecialValue,
  options: { match, result: { text: "(agent's own)", index } },
}));

/** The setters every SDK panel builder has. */
interface Placeable {
  title(title: string): this;
  description(description: string): this;
  unit(unit: string): this;
  datasource(datasource: dashboard.DataSourceRef): this;
  span(width: number): this;
  height(height: number): this;
}

function introduce<T extends Placeable>(panel: T, text: PanelText): T {
  return panel
    .title(text.title)
    .description(text.description)
    .unit(text.unit)
    .datasource(promDatasource)
    .span(text.width)
    .height(text.height);
}

export interface TimeSeriesOptions extends PanelText {
  queries: Query[];
  /** refIds drawn below the axis: transmit under receive, so one panel shows both directions. */
  mirrored?: string[];
  /** Bars per interval, for counts of rare events. */
  bars?: boolean;
  /** refIds drawn as a dashed reference line (what the other series should reach). */
  reference?: string[];
}

export function timeSeries(options: TimeSeriesOptions): timeseries.PanelBuilder {
  const panel = introduce(new timeseries.PanelBuilder(), options)
    .targets(options.queries.map(rangeQuery))
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(["mean", "max", "lastNotNull"]),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    )
    .drawStyle(options.bars ? common.GraphDrawStyle.Bars : common.GraphDrawStyle.Line)
    .lineWidth(1)
    .fillOpacity(options.bars ? 80 : 10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false);
  // Rates and counts never go negative: pin the axis at 0 unless a series is drawn below it.
  if (!options.mirrored?.length) panel.min(0);
  for (const ref of options.mirrored ?? []) {
    panel.overrideByQuery(ref, [{ id: "custom.transform", value: common.GraphTransform.NegativeY }]);
  }
  for (const ref of options.reference ?? []) {
    panel.overrideByQuery(ref, [
      { id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } },
      { id: "custom.fillOpacity", value: 0 },
      { id: "color", value: { mode: dashboard.FieldColorModeId.Fixed, fixedColor: "text" } },
    ]);
  }
  return panel;
}

export interface StatOptions extends PanelText {
  queries: Query[];
  thresholds?: dashboard.ThresholdsConfigBuilder;
  mappings?: dashboard.ValueMapping[];
  /** Draw the value's history behind it (rates), or not (counts and states). */
  sparkline?: boolean;
  /** Show the legend beside the value: for one stat per series (per agent, per hook family). */
  named?: boolean;
  /** Shown when the query returns nothing, where nothing has a meaning (no pair ever crossed: 0). */
  noValue?: string;
}

export function statPanel(options: StatOptions): stat.PanelBuilder {
  const panel = introduce(new stat.PanelBuilder(), options)
    .targets(options.queries.map(rangeQuery))
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(["lastNotNull"]))
    .graphMode(options.sparkline ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .colorMode(
      options.thresholds || options.mappings ? common.BigValueColorMode.Background : common.BigValueColorMode.None,
    )
    .textMode(options.named ? common.BigValueTextMode.ValueAndName : common.BigValueTextMode.Auto)
    .thresholds(options.thresholds ?? steps("text"));
  if (options.mappings) panel.mappings(options.mappings);
  if (options.noValue !== undefined) panel.noValue(options.noValue);
  return panel;
}

/**
 * The selected VRFs' rate of packets the kernel stopped (dropped, or ended on an unreachable
 * route), with its history. These counters exist only once something happened: none yet reads 0.
 */
export function stoppedPacketsStat(
  options: Pick<PanelText, "title" | "description" | "width"> & { metric: string; legend: string },
): stat.PanelBuilder {
  return statPanel({
    title: options.title,
    description: options.description,
    unit: units.PacketsPerSecond,
    width: options.width,
    height: 4,
    queries: [{ expr: `sum(${rate(vrfSeries(options.metric))})`, legend: options.legend }],
    sparkline: true,
    noValue: "0",
  });
}

export interface StateTimelineOptions extends PanelText {
  queries: Query[];
  mappings: dashboard.ValueMapping[];
}

/** One band per series, coloured by state: for 0/1 health gauges whose history matters. */
export function stateTimeline(options: StateTimelineOptions): statetimeline.PanelBuilder {
  return introduce(new statetimeline.PanelBuilder(), options)
    .targets(options.queries.map(rangeQuery))
    .mappings(options.mappings)
    .thresholds(steps("text"))
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .legend(new common.VizLegendOptionsBuilder().showLegend(false));
}

/** A table column: which frame field it shows, under which title, and how. */
export interface Column {
  /** A label name, or `Value #<refId>` for a query's value. */
  field: string;
  title: string;
  unit?: string;
  mappings?: dashboard.ValueMapping[];
  /** Colour the cell background by these thresholds. */
  thresholds?: dashboard.ThresholdsConfigBuilder;
  /** A link on the cell, e.g. to the dashboard about that VRF (Grafana data link URL). */
  link?: { title: string; url: string };
}

/** Cell options of a coloured column: basic background, as Grafana's own state tables use. */
const coloredCell: common.TableCellOptions = {
  type: common.TableCellDisplayMode.ColorBackground,
  mode: common.TableCellBackgroundDisplayMode.Basic,
};

export const labelColumns = {
  instance: { field: "instance", title: "Agent" },
  netns: { field: "netns", title: "Namespace", mappings: ownNamespace },
  vrf: { field: "vrf", title: "VRF" },
} satisfies Record<string, Column>;

export interface TableOptions extends PanelText {
  /** Instant queries; with several, rows are merged on the labels they share (instance, vrf, ...). */
  queries: string[];
  /** The columns shown, in order; any other field (Time, helper values) is left out. */
  columns: Column[];
  /** Sort keys by column title, first key first. */
  sortBy: { column: string; desc: boolean }[];
}

export function tablePanel(options: TableOptions): table.PanelBuilder {
  const fields = options.columns.map((c) => c.field);
  const titles: Record<string, string> = {};
  const order: Record<string, number> = {};
  options.columns.forEach((c, index) => {
    titles[c.field] = c.title;
    order[c.field] = index;
  });
  const panel = introduce(new table.PanelBuilder(), options)
    .targets(options.queries.map(tableQuery))
    .transformations([
      ...(options.queries.length > 1 ? [{ id: "merge", options: {} }] : []),
      { id: "filterFieldsByName", options: { include: { names: fields } } },
      { id: "organize", options: { excludeByName: {}, indexByName: order, renameByName: titles } },
    ])
    .sortBy(options.sortBy.map((s) => new common.TableSortByFieldStateBuilder().displayName(s.column).desc(s.desc)))
    .cellHeight(common.TableCellHeight.Sm);
  // Overrides match the title the organize step gave the field.
  for (const column of options.columns) {
    const properties: dashboard.DynamicConfigValue[] = [];
    if (column.unit) properties.push({ id: "unit", value: column.unit });
    if (column.mappings) properties.push({ id: "mappings", value: column.mappings });
    if (column.thresholds) {
      properties.push({ id: "thresholds", value: column.thresholds.build() });
      properties.push({ id: "custom.cellOptions", value: coloredCell });
    } else if (column.mappings?.some((m) => m.type === dashboard.MappingType.ValueToText)) {
      // Mapped states carry their own colours; show them.
      properties.push({ id: "custom.cellOptions", value: coloredCell });
    }
    if (column.link) properties.push({ id: "links", value: [column.link] });
    if (properties.length > 0) panel.overrideByName(column.title, properties);
  }
  return panel;
}

// ---------------------------------------------------------------------------------------------
// Dashboards

export interface Row {
  title: string;
  panels: PanelLike[];
}

export interface DashboardOptions {
  uid: string;
  title: string;
  description: string;
  vrf: "many" | "one";
  rows: Row[];
}

/** Panels each dashboard has a use for: the same query and words wherever they appear. */
export const commonPanels = {
  unexpectedPairs: (width: number): StatOptions => ({
    title: "Unexpected cross-VRF pairs",
    description:
      "Source -> destination VRF pairs that carried traffic without being declared in the agent's expected_cross_vrf. Anything above 0 is a tenant leak: open the Tenant isolation dashboard to see which pair, how much and since when, then look for a route leaked between the two VRF tables (ip route show vrf SRC) or a missing unreachable default. 0 or no value: no undeclared pair has ever carried traffic.",
    unit: "short",
    width,
    height: 4,
    queries: [{ expr: `sum(1 - (${eitherEnd("vrf_cross_expected")}))`, legend: "unexpected pairs" }],
    thresholds: zeroIsGood(),
    noValue: "0",
  }),
};

/** A dashboard with the shared variables, links, time settings and one row per section; panel ids in order. */
export function vrfDashboard(options: DashboardOptions): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags([dashboardTag])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .timezone("browser")
    .time({ from: "now-1h", to: "now" })
    .refresh("30s")
    .variables(variables(options.vrf))
    // Grafana's own annotations (and alert state changes), as every dashboard it creates has them.
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name("Annotations & Alerts")
        .builtIn(1)
        .datasource({ type: "grafana", uid: "-- Grafana --" })
        .enable(true)
        .hide(true)
        .iconColor("rgba(0, 211, 255, 1)")
        .type("dashboard"),
    )
    .link(
      new dashboard.DashboardLinkBuilder("vrf-agent dashboards")
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([dashboardTag])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  let id = 1;
  for (const row of options.rows) {
    // Expanded rows hold no panels in Grafana's model: the panels follow the row at top level.
    builder.withRow(new dashboard.RowBuilder(row.title).id(id++));
    for (const panel of row.panels) {
      panel.id(id++);
      builder.withPanel(panel);
    }
  }
  return builder.build();
}
