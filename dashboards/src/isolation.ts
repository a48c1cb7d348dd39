/** Tenant isolation: is any tenant's traffic crossing into another VRF, and could it? */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { configChecks } from "../../agent/inventory/types.js";
import {
  commonPanels,
  eitherEnd,
  increaseOverRange,
  labelColumns,
  rate,
  states,
  statPanel,
  stoppedPacketsStat,
  tablePanel,
  timeSeries,
  vrfSeries as vrf,
  vrfDashboard,
  zeroIsGood,
} from "./shared.js";

const pair = "instance, src_vrf, dst_vrf";
const pairLegend = "{{src_vrf}} -> {{dst_vrf}} ({{instance}})";
/** Pairs the agent's config declares expected: what the leak views leave out. */
const expected = `(${eitherEnd("vrf_cross_expected")}) == 1`;
/** The checks whose failure lets lookups leave a VRF, from the agent's own list of checks. */
const leakChecks = configChecks.filter((c) => c.startsWith("l3mdev_rule_")).join("|");

export function isolationDashboard(): dashboard.Dashboard {
  return vrfDashboard({
    uid: "vrf-isolation",
    title: "Tenant isolation",
    description:
      "Whether tenant traffic crosses between VRFs (the cross-VRF matrix, unexpected pairs first) and what would let it: VRFs without an unreachable default, l3mdev rules missing or shadowed, lookups ending on unreachable routes.",
    vrf: "many",
    rows: [
      {
        title: "At a glance",
        panels: [
          statPanel(commonPanels.unexpectedPairs(6)),
          statPanel({
            title: "Tables without an unreachable default",
            description:
              "VRF tables (per family) that do not end in an unreachable default route. Each one lets lookups that miss the VRF's routes fall through to the main table: a leak waiting for traffic. Above 0: the Unreachable defaults table says which VRF and family.",
            unit: units.Short,
            width: 6,
            height: 4,
            queries: [{ expr: `sum(1 - ${vrf("vrf_unreachable_default")})`, legend: "missing" }],
            thresholds: zeroIsGood(),
          }),
          statPanel({
            title: "l3mdev rules missing or shadowed",
            description:
              "Failing l3mdev rule checks over the selected VRFs: without the l3mdev FIB rule, or with a catch-all rule before it, lookups for the VRF use another table than its own. Above 0: the VRF detail dashboard's Configuration checks say which rule (ip rule show).",
            unit: units.Short,
            width: 6,
            height: 4,
            queries: [{ expr: `sum(${vrf("vrf_config_problem", `check=~"${leakChecks}"`)})`, legend: "failing" }],
            thresholds: zeroIsGood(),
          }),
          stoppedPacketsStat({
            title: "Unreachable-route hits",
            description:
              "Forwarded packets per second stopped by an unreachable, blackhole or prohibit route, or by no route, in the selected VRFs. The unreachable default doing its job shows here; a spike means a tenant is sending to destinations it cannot reach.",
            width: 6,
            metric: "vrf_unreachable_hits_total",
            legend: "hits",
          }),
        ],
      },
      {
        title: "Cross-VRF traffic",
        panels: [
          tablePanel({
            title: "Cross-VRF matrix",
            description:
              "Every source -> destination VRF pair that carried traffic, or that the agent's expected_cross_vrf declares; unexpected pairs first, then by rate. UNEXPECTED with packets in the range: tenant traffic entered through the source VRF and left through a member of the destination VRF without anyone intending it. Check for a route leaked into the source VRF's table (ip route show vrf SRC) and for a missing unreachable default; if the crossing is intended, declare the pair in the agent's config.",
            unit: units.Short,
            width: 24,
            height: 8,
            queries: [
              `max by (${pair}) (${eitherEnd("vrf_cross_expected")})`,
              `sum by (${pair}) (${eitherEnd("vrf_cross_packets_total", rate)})`,
              `sum by (${pair}) (${eitherEnd("vrf_cross_bytes_total", rate)}) * 8`,
              `sum by (${pair}) (${eitherEnd("vrf_cross_packets_total", increaseOverRange)})`,
            ],
            columns: [
              labelColumns.instance,
              { field: "src_vrf", title: "From VRF" },
              { field: "dst_vrf", title: "To VRF" },
              {
                field: "Value #A",
                title: "Declared",
                mappings: states({ 0: ["UNEXPECTED", "red"], 1: ["expected", "green"] }),
              },
              { field: "Value #B", title: "Packets/s", unit: units.PacketsPerSecond },
              { field: "Value #C", title: "Throughput", unit: units.BitsPerSecondSI },
              { field: "Value #D", title: "Packets in range", unit: units.Short },
            ],
            sortBy: [
              { column: "Declared", desc: false },
              { column: "Packets/s", desc: true },
              { column: "Packets in range", desc: true },
            ],
          }),
          timeSeries({
            title: "Unexpected cross-VRF traffic",
            description:
              "Packets per second of every pair that is not declared expected. A line here, even at 0, means tenant traffic crossed VRFs without anyone intending it; above 0 it is crossing now. Check the source VRF's table for a leaked route (ip route show vrf SRC) and its unreachable default, then fix the route or declare the pair in expected_cross_vrf.",
            unit: units.PacketsPerSecond,
            width: 12,
            height: 8,
            queries: [
              {
                expr: `sum by (${pair}) (${eitherEnd("vrf_cross_packets_total", rate)}) unless on (${pair}) ${expected}`,
                legend: pairLegend,
              },
            ],
          }),
          timeSeries({
            title: "Cross-VRF throughput by pair",
            description:
              "Bits per second crossing between VRFs, every pair, expected or not. For expected pairs (a shared-services VRF) this is the volume of the intended leak; a pair that was not there yesterday is a new route leak.",
            unit: units.BitsPerSecondSI,
            width: 12,
            height: 8,
            queries: [
              { expr: `sum by (${pair}) (${eitherEnd("vrf_cross_bytes_total", rate)}) * 8`, legend: pairLegend },
            ],
          }),
        ],
      },
      {
        title: "Lookups that leave or fail",
        panels: [
          tablePanel({
            title: "Unreachable defaults",
            description:
              "Whether each VRF table ends in an unreachable default route, per family, missing first. MISSING: a lookup its routes do not cover falls through to the main table and can leave through an interface of another VRF or of the host. Add `ip route add table N unreachable default metric 4278198272` (and `ip -6 ...`).",
            unit: units.Short,
            width: 10,
            height: 8,
            queries: [`min by (instance, netns, vrf, family) (${vrf("vrf_unreachable_default")})`],
            columns: [
              labelColumns.instance,
              labelColumns.netns,
              labelColumns.vrf,
              { field: "family", title: "Family" },
              {
                field: "Value",
                title: "Unreachable default",
                mappings: states({ 0: ["MISSING", "red"], 1: ["present", "green"] }),
              },
            ],
            sortBy: [
              { column: "Unreachable default", desc: false },
              { column: "VRF", desc: false },
            ],
          }),
          timeSeries({
            title: "Unreachable-route hits by VRF and route type",
            description:
              "Forwarded packets per second per VRF and route type that found an unreachable, blackhole or prohibit route, or none. A spike is a tenant sending to destinations its table does not have: a route withdrawn, a peer misconfigured, or a scan. A VRF with hits of type none has no unreachable default: those packets were looked up in the tables after its own.",
            unit: units.PacketsPerSecond,
            width: 14,
            height: 8,
            queries: [
              {
                expr: `sum by (instance, vrf, route) (${rate(vrf("vrf_unreachable_hits_total"))})`,
                legend: "{{vrf}} {{route}} ({{instance}})",
              },
            ],
          }),
        ],
      },
    ],
  });
}
