/** VRF detail: one VRF ($vrf), member by member, drop reason by drop reason, check by check. */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import {
  labelColumns,
  rate,
  series,
  states,
  statPanel,
  stoppedPacketsStat,
  tablePanel,
  timeSeries,
  vrfSeries as vrf,
  vrfDashboard,
  zeroIsGood,
} from "./shared.js";

export function detailDashboard(): dashboard.Dashboard {
  return vrfDashboard({
    uid: "vrf-detail",
    title: "VRF detail",
    description:
      "One VRF: its members' traffic, why packets are dropped, which route lookups fail, its routing table, the l3mdev settings and its configuration checks.",
    vrf: "one",
    rows: [
      {
        title: "At a glance",
        panels: [
          statPanel({
            title: "Routing table",
            description:
              "The routing table the VRF device is bound to (ip route show table N). Two VRFs on one table share their routes: that fails the duplicate_table check below.",
            unit: units.Short,
            width: 4,
            height: 4,
            queries: [{ expr: `max by (instance, table) (${vrf("vrf_info")})`, legend: "table {{table}}" }],
            named: true,
          }),
          statPanel({
            title: "Members up",
            description:
              "Member interfaces up with carrier, and all members. Fewer up than members: the Members table says which is down; none up cuts the tenant off.",
            unit: units.Short,
            width: 4,
            height: 4,
            queries: [
              { expr: `sum(${vrf("vrf_member_up")})`, legend: "up" },
              { expr: `count(${vrf("vrf_member_info")})`, legend: "members" },
            ],
            named: true,
          }),
          statPanel({
            title: "Failing config checks",
            description:
              "Configuration checks this VRF fails. Above 0: the Configuration checks table says which one, and what it breaks.",
            unit: units.Short,
            width: 4,
            height: 4,
            queries: [{ expr: `sum(${vrf("vrf_config_problem")})`, legend: "failing" }],
            thresholds: zeroIsGood(),
          }),
          statPanel({
            title: "Packets in / out",
            description:
              "Packets per second received and transmitted by the VRF's members. Traffic in but none out: replies are not routed back through this VRF.",
            unit: units.PacketsPerSecond,
            width: 4,
            height: 4,
            queries: [
              { expr: `sum(${rate(vrf("vrf_receive_packets_total"))})`, legend: "in" },
              { expr: `sum(${rate(vrf("vrf_transmit_packets_total"))})`, legend: "out" },
            ],
            sparkline: true,
            named: true,
          }),
          stoppedPacketsStat({
            title: "Dropped",
            description:
              "Packets per second the kernel dropped on the VRF's interfaces. Above a trickle: Drops by kernel reason says why.",
            width: 4,
            metric: "vrf_drops_total",
            legend: "dropped",
          }),
          stoppedPacketsStat({
            title: "Unreachable-route hits",
            description:
              "Forwarded packets per second whose lookup in this VRF's table found an unreachable, blackhole or prohibit route, or none. Above 0: the panel by family and route type says which.",
            width: 4,
            metric: "vrf_unreachable_hits_total",
            legend: "hits",
          }),
        ],
      },
      {
        title: "Members",
        panels: [
          tablePanel({
            title: "Members",
            description:
              "The VRF's member interfaces and whether each is administratively up with carrier. A DOWN member carries no traffic: check the link (ip link show IFACE) and its peer.",
            unit: units.Short,
            width: 6,
            height: 9,
            queries: [`max by (instance, netns, interface) (${vrf("vrf_member_up")})`],
            columns: [
              labelColumns.instance,
              labelColumns.netns,
              { field: "interface", title: "Interface" },
              { field: "Value", title: "State", mappings: states({ 0: ["DOWN", "red"], 1: ["up", "green"] }) },
            ],
            sortBy: [
              { column: "State", desc: false },
              { column: "Interface", desc: false },
            ],
          }),
          timeSeries({
            title: "Packets per member",
            description:
              "Packets per second on each interface of the VRF: received above the axis, transmitted below. The VRF device itself shows too, near zero (its hooks see almost nothing). One member silent while its peers carry traffic: that link or its neighbour is down.",
            unit: units.PacketsPerSecond,
            width: 9,
            height: 9,
            queries: [
              {
                expr: `sum by (instance, interface) (${rate(vrf("vrf_interface_receive_packets_total"))})`,
                legend: "{{interface}} rx ({{instance}})",
              },
              {
                expr: `sum by (instance, interface) (${rate(vrf("vrf_interface_transmit_packets_total"))})`,
                legend: "{{interface}} tx ({{instance}})",
              },
            ],
            mirrored: ["B"],
          }),
          timeSeries({
            title: "Throughput per member",
            description:
              "Bits per second on each interface of the VRF (Ethernet header included): received above the axis, transmitted below. Compare with the link speed to find the member that saturates.",
            unit: units.BitsPerSecondSI,
            width: 9,
            height: 9,
            queries: [
              {
                expr: `sum by (instance, interface) (${rate(vrf("vrf_interface_receive_bytes_total"))}) * 8`,
                legend: "{{interface}} rx ({{instance}})",
              },
              {
                expr: `sum by (instance, interface) (${rate(vrf("vrf_interface_transmit_bytes_total"))}) * 8`,
                legend: "{{interface}} tx ({{instance}})",
              },
            ],
            mirrored: ["B"],
          }),
        ],
      },
      {
        title: "Where packets die",
        panels: [
          timeSeries({
            title: "Drops by kernel reason",
            description:
              "Packets per second dropped on the VRF's interfaces, by the running kernel's own drop reason. NO_SOCKET: nothing listens on that port in this VRF (scans, or a service bound outside the VRF with l3mdev_accept off). IP_INNOROUTES / IP_OUTNOROUTES: no route, compare with the unreachable hits. NOT_SPECIFIED: an older kernel path that gives no reason. A new reason appearing after a change is the change's fault.",
            unit: units.PacketsPerSecond,
            width: 12,
            height: 8,
            queries: [
              {
                expr: `sum by (instance, reason) (${rate(vrf("vrf_drops_total"))})`,
                legend: "{{reason}} ({{instance}})",
              },
            ],
          }),
          timeSeries({
            title: "Unreachable-route hits by family and route type",
            description:
              "Forwarded packets per second whose lookup in this VRF's table ended on an error route. unreachable: the VRF's unreachable default (or another unreachable route) stopped them, so the tenant sends to destinations it has no route for: a withdrawn route or a misconfigured peer. blackhole and prohibit: routes someone put there on purpose. none: no table had any route, so the lookup ran past this VRF's table (no unreachable default: see the Configuration checks) through the rules after it.",
            unit: units.PacketsPerSecond,
            width: 12,
            height: 8,
            queries: [
              {
                expr: `sum by (instance, family, route) (${rate(vrf("vrf_unreachable_hits_total"))})`,
                legend: "{{family}} {{route}} ({{instance}})",
              },
            ],
          }),
        ],
      },
      {
        title: "Routing table and settings",
        panels: [
          timeSeries({
            title: "Routes by type",
            description:
              "Routes in the VRF's table by family and route type. A drop in unicast routes is a withdrawal (a peer or daemon went away); local routes follow the addresses on the members; exactly one unreachable route per family is the usual unreachable default.",
            unit: units.Short,
            width: 12,
            height: 8,
            queries: [
              {
                expr: `sum by (instance, family, type) (${vrf("vrf_routes")})`,
                legend: "{{family}} {{type}} ({{instance}})",
              },
            ],
          }),
          tablePanel({
            title: "Configuration checks",
            description:
              "Each configuration check for this VRF, failing first. `no_unreachable_default_*`: lookups that miss the VRF's routes fall through to the main table and leave the VRF; add `ip route add table N unreachable default metric 4278198272` (and `ip -6 ...`). `l3mdev_rule_missing_*`: no l3mdev FIB rule, so the VRF's table is never consulted. `l3mdev_rule_shadowed_*`: a rule matching every packet sits before the l3mdev rule, so its table wins over the VRF's. `duplicate_table`: another VRF uses the same table and their routes mix. `no_members` / `all_members_down`: the VRF carries nothing.",
            unit: units.Short,
            width: 7,
            height: 8,
            queries: [`max by (instance, netns, check) (${vrf("vrf_config_problem")})`],
            columns: [
              labelColumns.instance,
              { field: "check", title: "Check" },
              { field: "Value", title: "Result", mappings: states({ 0: ["ok", "green"], 1: ["FAILING", "red"] }) },
            ],
            sortBy: [
              { column: "Result", desc: true },
              { column: "Check", desc: false },
            ],
          }),
          tablePanel({
            title: "l3mdev accept (namespace-wide)",
            description:
              "net.ipv4.tcp_l3mdev_accept (and udp_, raw_) in the namespace: on means a socket bound outside any VRF also serves traffic arriving in every VRF, so a global listener (sshd, a DNS server) is reachable from all tenants. Off is the isolating choice; on is right only when that sharing is intended.",
            unit: units.Short,
            width: 5,
            height: 8,
            queries: [`max by (instance, netns, protocol) (${series("vrf_l3mdev_accept", "netns")})`],
            columns: [
              labelColumns.instance,
              labelColumns.netns,
              { field: "protocol", title: "Protocol" },
              {
                field: "Value",
                title: "Setting",
                mappings: states({ 0: ["off", "green"], 1: ["on: shared", "orange"] }),
              },
            ],
            sortBy: [{ column: "Protocol", desc: false }],
          }),
        ],
      },
    ],
  });
}
