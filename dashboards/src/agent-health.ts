/** vrf-agent health: can the other dashboards be trusted? Scrapes, collectors, hooks, inventory, datapath. */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import {
  increase,
  labelColumns,
  rate,
  series,
  states,
  stateTimeline,
  statPanel,
  tablePanel,
  timeSeries,
  vrfDashboard,
} from "./shared.js";

const agent = (metric: string, ...extra: string[]) => series(metric, "agent", ...extra);
const byAgent = "{{instance}}";

export function agentHealthDashboard(): dashboard.Dashboard {
  return vrfDashboard({
    uid: "vrf-agent-health",
    title: "vrf-agent health",
    description:
      "Whether the agents are scraped, their collectors succeed, their tc hooks cover every interface, their inventory refreshes and their datapath counts everything. When a panel here is red, the numbers on the other dashboards are incomplete.",
    vrf: "many",
    rows: [
      {
        title: "Agents",
        panels: [
          statPanel({
            title: "Scrape target up",
            description:
              "Whether Prometheus' last scrape of each agent succeeded (Prometheus' own `up`). DOWN: the agent is not running, not listening on its --web.listen-address, or refuses Prometheus (TLS or basic auth in --web.config.file); every other panel for that agent goes stale.",
            unit: units.Short,
            width: 6,
            height: 5,
            queries: [{ expr: `min by (instance) (${agent("up")})`, legend: byAgent }],
            mappings: states({ 0: ["DOWN", "red"], 1: ["UP", "green"] }),
            named: true,
          }),
          tablePanel({
            title: "Agents",
            description:
              "Each agent's version, the kernel it runs on, its libbpf and how it attaches its tc hooks (tcx on kernels from 6.6, legacy tc before). A mix of versions in a fleet explains differing numbers between routers.",
            unit: units.Short,
            width: 18,
            height: 5,
            queries: [`max by (instance, version, kernel, libbpf, attach_mode) (${agent("vrf_agent_build_info")})`],
            columns: [
              labelColumns.instance,
              { field: "version", title: "Version" },
              { field: "kernel", title: "Kernel" },
              { field: "libbpf", title: "libbpf" },
              { field: "attach_mode", title: "Attach mode" },
            ],
            sortBy: [{ column: "Agent", desc: false }],
          }),
        ],
      },
      {
        title: "Scrapes and collectors",
        panels: [
          stateTimeline({
            title: "Collector success",
            description:
              "Each collector's outcome in every scrape. FAILED: that collector exported nothing in that scrape and the rest went on, so its metrics have gaps (inventory: the VRF, member and route gauges; datapath: every counter). The agent's log names the error.",
            unit: units.Short,
            width: 24,
            height: 6,
            queries: [
              {
                expr: `min by (instance, collector) (${agent("vrf_agent_collector_success")})`,
                legend: "{{collector}} ({{instance}})",
              },
            ],
            mappings: states({ 0: ["FAILED", "red"], 1: ["ok", "green"] }),
          }),
          timeSeries({
            title: "Scrape duration",
            description:
              "How long Prometheus' scrape of each agent took (Prometheus' own scrape_duration_seconds). It grows with the number of VRFs, members and cross-VRF pairs; close to the scrape timeout, scrapes start failing: see Scrape target up.",
            unit: units.Seconds,
            width: 12,
            height: 8,
            queries: [{ expr: agent("scrape_duration_seconds"), legend: byAgent }],
          }),
          timeSeries({
            title: "Collector duration",
            description:
              "How long each collector took in each scrape. The datapath collector reads the BPF maps and grows with interfaces and pairs; the inventory collector only formats the latest inventory. One that grows steadily explains a growing scrape duration.",
            unit: units.Seconds,
            width: 12,
            height: 8,
            queries: [
              {
                expr: `max by (instance, collector) (${agent("vrf_agent_collector_duration_seconds")})`,
                legend: "{{collector}} ({{instance}})",
              },
            ],
          }),
        ],
      },
      {
        title: "Hooks",
        panels: [
          timeSeries({
            title: "Hooks attached by mode",
            description:
              "Interfaces with the agent's tc hooks, by attach mode, against the dashed line of interfaces that should have them (members and VRF devices in the agent's own namespace). Below the line: some interfaces are not counted, so traffic, drops and cross-VRF numbers are short; see Attach errors.",
            unit: units.Short,
            width: 10,
            height: 8,
            queries: [
              {
                expr: `sum by (instance, mode) (${agent("vrf_agent_hooks_attached")})`,
                legend: "{{mode}} ({{instance}})",
              },
              {
                // The datapath runs in the agent's own namespace only (netns=""): named namespaces get no hooks.
                expr: `count by (instance) (${agent("vrf_member_info", 'netns=""')}) + count by (instance) (${agent("vrf_info", 'netns=""')})`,
                legend: "should have hooks ({{instance}})",
              },
            ],
            reference: ["B"],
          }),
          statPanel({
            title: "Hook families loaded",
            description:
              "Whether each family of datapath hooks loaded on the agent's kernel: traffic (tc counters, cross-VRF), drops (kfree_skb tracing) and unreachable (fentry on the error-route functions). NOT LOADED: that family's metrics stay at zero on this host, whatever happens; vrf-agent check says why (BTF, a kernel that refuses fentry). OFF: the agent's config turns the family off (hooks.drops, hooks.unreachable).",
            unit: units.Short,
            width: 7,
            height: 8,
            queries: [
              {
                // 1 loaded, 0 refused by the kernel, -1 turned off by the config (never loaded then).
                expr: `min by (instance, family) (${agent("vrf_agent_hook_family_loaded")}) - on (instance, family) (1 - min by (instance, family) (${agent("vrf_agent_hook_family_enabled")}))`,
                legend: "{{family}} ({{instance}})",
              },
            ],
            mappings: states({ [-1]: ["OFF", "text"], 0: ["NOT LOADED", "red"], 1: ["loaded", "green"] }),
            named: true,
          }),
          timeSeries({
            title: "Attach errors",
            description:
              "Failed attempts to attach tc hooks, per rate interval. An isolated error is usually an interface that vanished mid-attach; a steady count means interfaces stay unhooked (compare Hooks attached) and their traffic is not counted.",
            unit: units.Short,
            width: 7,
            height: 8,
            queries: [
              { expr: `sum by (instance) (${increase(agent("vrf_agent_attach_errors_total"))})`, legend: byAgent },
            ],
            bars: true,
          }),
        ],
      },
      {
        title: "Inventory and datapath",
        panels: [
          timeSeries({
            title: "Inventory dump time",
            description:
              "How long the last full inventory dump (links, rules and the VRFs' own tables, over rtnetlink) took, per namespace. Dumps happen at start, after an overflow and every 5 minutes as a check; changes in between arrive as notifications, so this is not how late changes are.",
            unit: units.Seconds,
            width: 5,
            height: 8,
            queries: [
              {
                expr: `max by (instance, netns) (${agent("vrf_agent_inventory_refresh_duration_seconds")})`,
                legend: "{{netns}} ({{instance}})",
              },
            ],
          }),
          timeSeries({
            title: "Inventory errors",
            description:
              "Inventory dumps that failed, per rate interval (each is retried by a full resync). While they fail, the inventory metrics (VRFs, members, routes, config checks) keep the last good view and go stale.",
            unit: units.Short,
            width: 5,
            height: 8,
            queries: [
              { expr: `sum by (instance) (${increase(agent("vrf_agent_inventory_errors_total"))})`, legend: byAgent },
            ],
            bars: true,
          }),
          timeSeries({
            title: "Inventory notifications",
            description:
              "rtnetlink notifications the inventory reads per second, per namespace: link, rule and route changes. Main-table and local-table route changes are dropped in the kernel before they reach the agent, so BGP churn does not show here; a VRF table or its members changing does.",
            unit: units.Short,
            width: 4,
            height: 8,
            queries: [
              {
                expr: `sum by (instance, netns) (${rate(agent("vrf_agent_inventory_notifications_total"))})`,
                legend: "{{netns}} ({{instance}})",
              },
            ],
          }),
          timeSeries({
            title: "Inventory resyncs",
            description:
              "Full dumps beyond the first, per rate interval. overflow: the kernel dropped notifications because the agent's receive buffer was full (a burst of changes in VRF tables), repaired by the resync. drift: the periodic check found the kept view out of step (the kernel flushes some IPv4 routes silently).",
            unit: units.Short,
            width: 5,
            height: 8,
            queries: [
              {
                expr: `sum by (instance, reason) (${increase(agent("vrf_agent_inventory_resyncs_total"))})`,
                legend: "{{reason}} ({{instance}})",
              },
            ],
            bars: true,
          }),
          timeSeries({
            title: "Namespaces inventoried",
            description:
              "Each namespace the agent was asked to inventory: 1 while it does, 0 while it cannot open it (missing under /run/netns, or not enterable), and then none of its VRFs are in the inventory metrics. The agent's own namespace has no name.",
            unit: units.Short,
            width: 5,
            height: 8,
            queries: [
              {
                expr: `min by (instance, netns) (${agent("vrf_agent_inventory_up")})`,
                legend: "{{netns}} ({{instance}})",
              },
            ],
          }),
          timeSeries({
            title: "Datapath errors",
            description:
              "Events the datapath could not count because a BPF map was full, per rate interval. cross_full: new cross-VRF pairs are not counted, so a leak can be invisible on the isolation dashboard. drops_full: new (VRF, drop reason) pairs are not counted. Any bar here means the other dashboards undercount.",
            unit: units.Short,
            width: 24,
            height: 8,
            queries: [
              {
                expr: `sum by (instance, error) (${increase(agent("vrf_agent_datapath_errors_total"))})`,
                legend: "{{error}} ({{instance}})",
              },
            ],
            bars: true,
          }),
        ],
      },
      {
        title: "What is not counted",
        panels: [
          timeSeries({
            title: "Interfaces not counted",
            description:
              "How many members and VRF devices the agent watches but cannot count right now, by reason (the VrfAgentInterfaceUncounted alert and the agent's log name them): no_vrf_slot and no_interface_slot (more than the agent has room for), port_map_full (too many interfaces with large ifindexes), port_update_failed, attach_failed (the tc hooks would not attach). Their traffic is missing from every other dashboard while a line shows here.",
            unit: units.Short,
            width: 16,
            height: 8,
            queries: [
              {
                // 0 for an agent that counts everything, so a healthy fleet reads 0, not "no data".
                expr: `count by (instance, reason) (${agent("vrf_agent_interface_uncounted")} == 1) or on (instance) (0 * group by (instance) (${agent("vrf_agent_build_info")}))`,
                legend: "{{reason}} ({{instance}})",
              },
            ],
          }),
          statPanel({
            title: "Pinned maps missing",
            description:
              "Maps the agent pinned that were removed from its pin folder while it ran. It goes on counting, but after its next restart every counter starts from 0 (a reset Prometheus absorbs, but the history in the maps is gone). Restart the agent at a quiet moment to pin afresh.",
            unit: units.Short,
            width: 8,
            height: 8,
            queries: [{ expr: `max by (instance) (${agent("vrf_agent_pins_missing")})`, legend: byAgent }],
            mappings: states({ 0: ["none", "green"] }),
            named: true,
          }),
        ],
      },
    ],
  });
}
