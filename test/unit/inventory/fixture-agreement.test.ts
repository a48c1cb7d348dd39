/**
 * The agent's inventory (rtnetlink, decoded by the addon) against iproute2's view of the same
 * guest at the same moment: two independent readings of the kernel that must agree on every VRF,
 * member, route count, unreachable default and rule.
 */
import { describe, expect, it } from "vitest";
import type { Family, KernelView } from "../../../agent/inventory/types.js";
import { type JsonObject, labEntries, seedView } from "./fixtures.js";

const tableIds: Record<string, number> = { default: 253, main: 254, local: 255 };
const tableOf = (name: unknown) => (name === undefined ? 254 : (tableIds[String(name)] ?? Number(name)));
const closing = new Set(["unreachable", "blackhole", "prohibit"]);

/** What iproute2's JSON says of the VRF tables: counts by type and the lowest closing default. */
function iproute2Tables(file: string) {
  const tables = new Map<number, { counts: Record<string, number>; closing?: { metric: number; type: string } }>();
  for (const route of labEntries(file)) {
    const id = tableOf(route.table);
    const table = tables.get(id) ?? { counts: {} };
    tables.set(id, table);
    const type = String(route.type ?? "unicast");
    table.counts[type] = (table.counts[type] ?? 0) + 1;
    const metric = Number(route.metric ?? 0);
    if (route.dst === "default" && closing.has(type) && (table.closing === undefined || metric < table.closing.metric))
      table.closing = { metric, type };
  }
  return tables;
}

function expectAgreement(view: KernelView, routeFiles: Record<Family, string>) {
  const links = labEntries("links.json");
  const vrfLinks = links.filter((l) => (l.linkinfo as JsonObject | undefined)?.info_kind === "vrf");
  expect(view.vrfs.map((v) => [v.name, v.ifindex, v.table])).toEqual(
    vrfLinks.map((l) => [l.ifname, l.ifindex, ((l.linkinfo as JsonObject).info_data as JsonObject).table]),
  );
  for (const vrf of view.vrfs) {
    const members = links.filter((l) => l.master === vrf.name);
    expect(vrf.members.map((m) => [m.name, m.ifindex, m.operState, m.up])).toEqual(
      members.map((l) => {
        const flags = l.flags as string[];
        return [l.ifname, l.ifindex, l.operstate, flags.includes("UP") && flags.includes("LOWER_UP")];
      }),
    );
    for (const family of ["ipv4", "ipv6"] as const) {
      const table = iproute2Tables(routeFiles[family]).get(vrf.table);
      expect(vrf.routes[family], `${vrf.name} ${family}`).toEqual(table?.counts ?? {});
      expect(vrf.unreachableDefault[family]).toEqual(
        table?.closing ? { present: true, ...table.closing } : { present: false },
      );
    }
  }
  for (const family of ["ipv4", "ipv6"] as const) {
    const rules = labEntries(`rules-${family}.json`);
    expect(view.rules.filter((r) => r.family === family).map((r) => [r.priority, r.l3mdev, r.table])).toEqual(
      rules.map((r) => [r.priority, "l3mdev" in r, r.table]),
    );
  }
}

describe("the agent's inventory of the lab against iproute2's", () => {
  it("agrees on the seed topology", () => {
    expect(seedView().vrfs).toHaveLength(4);
    expectAgreement(seedView(), { ipv4: "routes-ipv4.json", ipv6: "routes-ipv6.json" });
  });

  it("agrees once green's IPv4 unreachable default is deleted", () => {
    const view = seedView("inventory-green-no-unreachable-default.json");
    expect(view.vrfs.find((v) => v.name === "green")?.unreachableDefault.ipv4).toEqual({ present: false });
    expectAgreement(view, { ipv4: "routes-ipv4-green-no-unreachable-default.json", ipv6: "routes-ipv6.json" });
  });
});
