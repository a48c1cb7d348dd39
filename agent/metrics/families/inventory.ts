/** What the inventory says: VRFs, members, routes, unreachable defaults, the audit, l3mdev sysctls. */
import { Gauge, type Registry } from "prom-client";
import { configChecks, families } from "../../inventory/types.js";
import type { CollectorRuns } from "../collector.js";
import type { MetricSources } from "../sources.js";

export function registerInventory(registry: Registry, sources: MetricSources, runs: CollectorRuns): void {
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [] });
  const member = gauge("vrf_member_info", "A member interface of a VRF (always 1).", ["netns", "vrf", "interface"]);
  const up = gauge("vrf_member_up", "Whether a VRF member is administratively up with carrier (1) or not (0).", [
    "netns",
    "vrf",
    "interface",
  ]);
  const routes = gauge(
    "vrf_routes",
    "Routes in a VRF's table, by family and route type (unicast, local, unreachable, ...).",
    ["netns", "vrf", "family", "type"],
  );
  const unreachableDefault = gauge(
    "vrf_unreachable_default",
    "Whether the VRF's table ends in an unreachable default route (1) or lookups can fall through to later rules (0).",
    ["netns", "vrf", "family"],
  );
  const problem = gauge("vrf_config_problem", "1 when a configuration check fails for the VRF, 0 when it passes.", [
    "netns",
    "vrf",
    "check",
  ]);
  const accept = gauge(
    "vrf_l3mdev_accept",
    "net.ipv4.<protocol>_l3mdev_accept: whether sockets outside a VRF accept its traffic.",
    ["netns", "protocol"],
  );
  const siblings = [member, up, routes, unreachableDefault, problem, accept];
  const info = new Gauge({
    name: "vrf_info",
    help: "A VRF and its routing table (always 1).",
    labelNames: ["netns", "vrf", "table"],
    registers: [registry],
    collect() {
      runs.run(
        "inventory",
        () => {
          this.reset();
          for (const metric of siblings) metric.reset();
        },
        () => {
          for (const inventory of sources.inventories()) {
            const netns = inventory.netns;
            for (const vrf of inventory.vrfs) {
              info.set({ netns, vrf: vrf.name, table: String(vrf.table) }, 1);
              for (const m of vrf.members) {
                member.set({ netns, vrf: vrf.name, interface: m.name }, 1);
                up.set({ netns, vrf: vrf.name, interface: m.name }, m.up ? 1 : 0);
              }
              for (const family of families) {
                for (const [type, count] of Object.entries(vrf.routes[family])) {
                  routes.set({ netns, vrf: vrf.name, family, type }, count);
                }
                unreachableDefault.set(
                  { netns, vrf: vrf.name, family },
                  vrf.unreachableDefault[family].present ? 1 : 0,
                );
              }
              const failing = new Set(inventory.problems.filter((p) => p.vrf === vrf.name).map((p) => p.check));
              for (const check of configChecks)
                problem.set({ netns, vrf: vrf.name, check }, failing.has(check) ? 1 : 0);
            }
            for (const [protocol, value] of Object.entries(inventory.sysctls)) accept.set({ netns, protocol }, value);
          }
        },
      );
    },
  });
  for (const metric of siblings) registry.registerMetric(metric);
}
