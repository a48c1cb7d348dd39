/** VRF overview: every VRF at once, to spot the one that is misconfigured, dropping or unreachable. */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import {
  commonPanels,
  labelColumns,
  rate,
  statPanel,
  steps,
  stoppedPacketsStat,
  tablePanel,
  timeSeries,
  vrfSeries as vrf,
  vrfDashboard,
  zeroIsGood,
} from "./shared.js";

/** Series per VRF: `instance` too, since two routers may both have a VRF called red. */
const perVrf = "instance, vrf";
/** The inventory table's row key: one row per VRF per namespace per agent. */
const perRow = "instance, netns, vrf";
/**
 * Every VRF gets a row in every column query, 0 where it has nothing (no members): an empty cell
 * would read as "unknown", and Grafana's merge pairs rows up more reliably when every query has them.
 */
const orZero = (expr: string) => `${expr} or 0 * max by (${perRow}) (${vrf("vrf_info")})`;

export function overviewDashboard(): dashboard.Dashboard {
  return vrfDashboard({
    uid: "vrf-overview",
    title: "VRF overview",
    description:
      "Every VRF the vrf-agent instances see: inventory and configuration checks, traffic, drops and unreachable-route hits per VRF.",
    vrf: "many",
    rows: [
      {
        title: "At a glance",
        panels: [
          statPanel({
            title: "VRFs",
            description:
              "VRF devices in the selected agents and namespaces. A step down means a VRF was deleted: its counters start again from zero if it comes back.",
            unit: units.Short,
            width: 4,
            height: 4,
            queries: [{ expr: `count(${vrf("vrf_info")})`, legend: "VRFs" }],
          }),
          statPanel({
            title: "Members up",
            description:
              "Share of VRF member interfaces that are administratively up with carrier. Below 100%: the VRF inventory table shows which VRF has members down; a VRF whose members are all down cuts its tenant off.",
            unit: units.PercentUnit,
            width: 4,
            height: 4,
            queries: [
              { expr: `sum(${vrf("vrf_member_up")}) / count(${vrf("vrf_member_info")})`, legend: "members up" },
            ],
            thresholds: steps("red", [0.5, "orange"], [1, "green"]),
          }),
          statPanel({
            title: "Failing config checks",
            description:
              "Configuration checks failing across the selected VRFs (missing unreachable default, missing or shadowed l3mdev rule, duplicate table, no members, all members down). Above 0: the inventory table says which VRF, the VRF detail dashboard which check.",
            unit: units.Short,
            width: 4,
            height: 4,
            queries: [{ expr: `sum(${vrf("vrf_config_problem")})`, legend: "failing checks" }],
            thresholds: zeroIsGood(),
          }),
          statPanel(commonPanels.unexpectedPairs(4)),
          statPanel({
            title: "Packets in",
            description:
              "Packets per second received by the members of the selected VRFs, all families. A sudden fall to 0 while members are up means the tc hooks are gone: check the vrf-agent health dashboard.",
            unit: units.PacketsPerSecond,
            width: 4,
            height: 4,
            queries: [{ expr: `sum(${rate(vrf("vrf_receive_packets_total"))})`, legend: "received" }],
            sparkline: true,
          }),
          stoppedPacketsStat({
            title: "Dropped",
            description:
              "Packets per second the kernel dropped on the selected VRFs' interfaces. Compare with Packets in; the Drops per VRF panel says where, the VRF detail dashboard why (kernel drop reason).",
            width: 4,
            metric: "vrf_drops_total",
            legend: "dropped",
          }),
        ],
      },
      {
        title: "Inventory",
        panels: [
          tablePanel({
            title: "VRF inventory",
            description:
              "One row per VRF: its routing table, members up out of members, routes in its table and failing configuration checks, worst first. Failing checks above 0 or members up below members: open the VRF (click its name) for the check that fails. Two VRFs on one table number is itself a failing check (duplicate_table).",
            unit: units.Short,
            width: 24,
            height: 8,
            queries: [
              `max by (${perRow}, table) (${vrf("vrf_info")})`,
              orZero(`sum by (${perRow}) (${vrf("vrf_member_up")})`),
              orZero(`count by (${perRow}) (${vrf("vrf_member_info")})`),
              orZero(`sum by (${perRow}) (${vrf("vrf_routes")})`),
              orZero(`sum by (${perRow}) (${vrf("vrf_config_problem")})`),
            ],
            columns: [
              labelColumns.instance,
              labelColumns.netns,
              {
                ...labelColumns.vrf,
                link: {
                  title: "VRF detail",
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's data link variables.
                  url: "/d/vrf-detail/vrf-detail?${__url_time_range}&${datasource:queryparam}&var-instance=${__data.fields.instance}&var-vrf=${__value.raw}",
                },
              },
              { field: "table", title: "Table" },
              { field: "Value #B", title: "Members up", unit: units.Short },
              { field: "Value #C", title: "Members", unit: units.Short },
              { field: "Value #D", title: "Routes", unit: units.Short },
              { field: "Value #E", title: "Failing checks", unit: units.Short, thresholds: zeroIsGood() },
            ],
            sortBy: [
              { column: "Failing checks", desc: true },
              { column: "VRF", desc: false },
            ],
          }),
        ],
      },
      {
        title: "Traffic",
        panels: [
          timeSeries({
            title: "Packets per VRF",
            description:
              "Packets per second through each VRF's members: received above the axis, transmitted below. A VRF that only receives (nothing below) has no way back: check its routes. One VRF that jumps while the others stay flat is where to look first.",
            unit: units.PacketsPerSecond,
            width: 12,
            height: 9,
            queries: [
              {
                expr: `sum by (${perVrf}) (${rate(vrf("vrf_receive_packets_total"))})`,
                legend: "{{vrf}} rx ({{instance}})",
              },
              {
                expr: `sum by (${perVrf}) (${rate(vrf("vrf_transmit_packets_total"))})`,
                legend: "{{vrf}} tx ({{instance}})",
              },
            ],
            mirrored: ["B"],
          }),
          timeSeries({
            title: "Throughput per VRF",
            description:
              "Bits per second through each VRF's members (Ethernet header included, as the interfaces' own counters): received above the axis, transmitted below. Compare with the members' link speed to see a saturated tenant.",
            unit: units.BitsPerSecondSI,
            width: 12,
            height: 9,
            queries: [
              {
                expr: `sum by (${perVrf}) (${rate(vrf("vrf_receive_bytes_total"))}) * 8`,
                legend: "{{vrf}} rx ({{instance}})",
              },
              {
                expr: `sum by (${perVrf}) (${rate(vrf("vrf_transmit_bytes_total"))}) * 8`,
                legend: "{{vrf}} tx ({{instance}})",
              },
            ],
            mirrored: ["B"],
          }),
        ],
      },
      {
        title: "Drops and unreachable routes",
        panels: [
          timeSeries({
            title: "Drops per VRF",
            description:
              "Packets per second the kernel dropped on each VRF's interfaces. A steady trickle of NO_SOCKET is usually scans; a VRF whose drops rise with its traffic is losing packets: the VRF detail dashboard breaks this down by kernel drop reason.",
            unit: units.PacketsPerSecond,
            width: 12,
            height: 8,
            queries: [
              { expr: `sum by (${perVrf}) (${rate(vrf("vrf_drops_total"))})`, legend: "{{vrf}} ({{instance}})" },
            ],
          }),
          timeSeries({
            title: "Unreachable-route hits per VRF",
            description:
              "Forwarded packets per second whose route lookup in the VRF's table ended on an unreachable, blackhole or prohibit route, or on none. Counted exactly (ICMP errors are rate-limited, these are not). A rise means the tenant sends to destinations its table does not have: a withdrawn route, or a peer misconfigured.",
            unit: units.PacketsPerSecond,
            width: 12,
            height: 8,
            queries: [
              {
                expr: `sum by (${perVrf}) (${rate(vrf("vrf_unreachable_hits_total"))})`,
                legend: "{{vrf}} ({{instance}})",
              },
            ],
          }),
        ],
      },
    ],
  });
}
