/**
 * The inventory's deltas against the kernel: the agent in the guest applies route and link
 * notifications to what it keeps, and after every kind of change a VRF table can see its
 * `vrf_routes` and `vrf_unreachable_default` must equal what iproute2 reads of the same table.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sample, total } from "../../agent/exposition.js";
import { agentPort, startAgent } from "../../lab/agent.js";
import { Lab } from "../../lab/lab.js";
import { applyTopology } from "../../lab/scenarios.js";
import { seedTopology } from "../../lab/topology.js";
import { scrape } from "../support/lab-agent.js";

type Counts = Record<string, number>;
const closing = new Set(["unreachable", "blackhole", "prohibit"]);

/** iproute2's view of every seed VRF's table: counts by family and type, and the closing default. */
async function iproute2View(lab: Lab) {
  const view: Record<string, { counts: Counts; closing: number }> = {};
  for (const vrf of seedTopology.vrfs) {
    for (const [family, flag] of [
      ["ipv4", "-4"],
      ["ipv6", "-6"],
    ] as const) {
      const routes = await lab.ipJson<{ type?: string; dst: string }[]>([
        flag,
        "route",
        "show",
        "table",
        String(vrf.table),
      ]);
      const counts: Counts = {};
      for (const route of routes) counts[route.type ?? "unicast"] = (counts[route.type ?? "unicast"] ?? 0) + 1;
      const hasClosing = routes.some((r) => r.dst === "default" && closing.has(r.type ?? "unicast"));
      view[`${vrf.name} ${family}`] = { counts, closing: hasClosing ? 1 : 0 };
    }
  }
  return view;
}

function agentView(samples: Sample[]) {
  const view: Record<string, { counts: Counts; closing: number }> = {};
  for (const vrf of seedTopology.vrfs) {
    for (const family of ["ipv4", "ipv6"]) {
      const counts: Counts = {};
      for (const s of samples) {
        if (s.name !== "vrf_routes" || s.labels.vrf !== vrf.name || s.labels.family !== family) continue;
        if (s.value > 0) counts[s.labels.type ?? ""] = s.value;
      }
      view[`${vrf.name} ${family}`] = {
        counts,
        closing: total(samples, "vrf_unreachable_default", { vrf: vrf.name, family }),
      };
    }
  }
  return view;
}

/** Until the agent agrees with iproute2 (the kernel does not hold still for the two reads). */
async function agrees(lab: Lab, step: string) {
  let last: unknown;
  for (let attempt = 0; attempt < 25; attempt++) {
    const kernel = await iproute2View(lab);
    const agent = agentView(await scrape(lab));
    if (isDeepStrictEqual(agent, kernel)) return;
    last = { agent, kernel };
    await sleep(200);
  }
  expect.soft(last, `after ${step}`).toBeUndefined();
  throw new Error(`the agent's routes never matched iproute2's after ${step}`);
}

describe("the inventory's view of VRF tables through changes", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.boot({ forwardPorts: [agentPort] });
    await applyTopology(lab);
    await startAgent(lab);
  });
  afterAll(() => lab?.shutdown());

  it("equals iproute2's after adds, replaces, appends, closing defaults, a member going down and deletes", async () => {
    const ip = (...args: string[]) => lab.run(["ip", ...args]);
    await agrees(lab, "the start");
    const steps: [string, string[][]][] = [
      [
        "ten added routes",
        Array.from({ length: 10 }, (_, i) => ["route", "add", `10.99.${i}.0/24`, "dev", "eth1", "table", "10"]),
      ],
      ["a replace onto another member", [["route", "replace", "10.99.1.0/24", "dev", "eth2", "table", "10"]]],
      ["a route appended beside an equal one", [["route", "append", "10.99.2.0/24", "dev", "eth2", "table", "10"]]],
      [
        "an IPv6 multipath route",
        [
          [
            "-6",
            "route",
            "add",
            "2001:db8:99::/64",
            "table",
            "10",
            "nexthop",
            "via",
            "2002:1::1",
            "dev",
            "eth1",
            "nexthop",
            "via",
            "2002:2::1",
            "dev",
            "eth2",
          ],
        ],
      ],
      [
        "one of its nexthops deleted",
        [["-6", "route", "del", "2001:db8:99::/64", "via", "2002:1::1", "dev", "eth1", "table", "10"]],
      ],
      ["the rest of it deleted", [["-6", "route", "del", "2001:db8:99::/64", "table", "10"]]],
      ["a blackhole default in mgmt", [["route", "add", "blackhole", "default", "metric", "100", "table", "1"]]],
      ["a throw default in mgmt's IPv6", [["-6", "route", "add", "throw", "default", "table", "1"]]],
      [
        "a replace of the unreachable default by a prohibit",
        [["route", "replace", "prohibit", "default", "metric", "4278198272", "table", "81"]],
      ],
      ["a member going down (the kernel flushes its IPv4 routes silently)", [["link", "set", "eth2", "down"]]],
      ["the member back up", [["link", "set", "eth2", "up"]]],
      ["deletes", Array.from({ length: 5 }, (_, i) => ["route", "del", `10.99.${i + 3}.0/24`, "table", "10"])],
      ["the blackhole default deleted", [["route", "del", "blackhole", "default", "metric", "100", "table", "1"]]],
    ];
    for (const [step, commands] of steps) {
      for (const command of commands) await ip(...command);
      await agrees(lab, step);
    }
    // Through it all no resync was needed: the notifications alone kept the view.
    const samples = await scrape(lab);
    expect(total(samples, "vrf_agent_inventory_resyncs_total")).toBe(0);
    expect(total(samples, "vrf_agent_inventory_errors_total")).toBe(0);
  });
});
