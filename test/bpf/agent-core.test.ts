/**
 * The agent's core on this host's kernel: datapath, reconciler and metrics over real veth
 * traffic, through the real prom-client registry. This host has no VRF driver, so the inventory
 * is built by hand (veths play the VRF devices); the lab tier runs the real one.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Core, type CoreLog, startCore } from "../../agent/core.js";
import { has, parseExposition, total } from "../../agent/exposition.js";
import { loadNative } from "../../agent/native.js";
import { bpftoolListing } from "../support/bpftool.js";
import { hostInventory } from "../support/host-inventory.js";
import { type VethPair, vethPair } from "../support/veth.js";

const addon = loadNative();
const pinRoot = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
const log = () => {};
const start = (inventory: ReturnType<typeof hostInventory>) =>
  startCore({ addon, pinRoot, tcMode: "auto", expectedCross: [{ from: "red", to: "blue" }], log }, inventory);
const scrape = async (core: Core) => parseExposition((await core.metrics.render()).body);
const ping = (veth: VethPair, count: number) =>
  veth.inPeer(["ping", "-c", String(count), "-i", "0.01", "-q", veth.address]);

describe("the agent's core on real traffic", () => {
  let red: VethPair;
  let redMember: VethPair;
  let blue: VethPair;
  let blueMember: VethPair;
  let core: Core;
  const inventory = () =>
    hostInventory([
      { name: "red", table: 10, device: red, members: [redMember] },
      { name: "blue", table: 66, device: blue, members: [blueMember] },
    ]);

  beforeAll(async () => {
    [red, redMember, blue, blueMember] = await Promise.all([vethPair(50), vethPair(51), vethPair(52), vethPair(53)]);
    core = await start(inventory());
  });
  afterAll(async () => {
    core?.stop();
    await Promise.all([red, redMember, blue, blueMember].map((v) => v?.remove()));
    await rm(pinRoot, { recursive: true, force: true });
  });

  it("exports what each member's own counters say, per VRF and per interface", async () => {
    const before = await redMember.stats();
    await ping(redMember, 12);
    const after = await redMember.stats();
    const samples = await scrape(core);
    expect(total(samples, "vrf_receive_packets_total", { vrf: "red" })).toBe(after.rxPackets - before.rxPackets);
    expect(total(samples, "vrf_transmit_bytes_total", { vrf: "red" })).toBe(after.txBytes - before.txBytes);
    expect(total(samples, "vrf_interface_receive_packets_total", { vrf: "red", interface: redMember.name })).toBe(12);
    expect(total(samples, "vrf_receive_packets_total", { vrf: "blue" })).toBe(0);
    expect(total(samples, "vrf_info", { vrf: "red", table: "10" })).toBe(1);
    expect(total(samples, "vrf_config_problem", { vrf: "red", check: "no_unreachable_default_ipv6" })).toBe(1);
    expect(total(samples, "vrf_config_problem", { vrf: "red", check: "no_members" })).toBe(0);
    expect(total(samples, "vrf_agent_hooks_attached")).toBe(4);
    expect(total(samples, "vrf_agent_collector_success")).toBe(3);
  });

  it("keeps counting across a restart, without a reset and without counting twice", async () => {
    const counted = total(await scrape(core), "vrf_receive_packets_total", { vrf: "red" });
    core.stop();
    core = await start(inventory());
    expect(total(await scrape(core), "vrf_receive_packets_total", { vrf: "red" })).toBe(counted);
    await ping(redMember, 5);
    expect(total(await scrape(core), "vrf_receive_packets_total", { vrf: "red" })).toBe(counted + 5);
    expect(total(await scrape(core), "vrf_agent_hooks_attached")).toBe(4);
  });

  it("starts a deleted and recreated member from zero, and drops the departed one's series", async () => {
    await ping(blueMember, 3);
    expect(total(await scrape(core), "vrf_receive_packets_total", { vrf: "blue" })).toBe(3);
    const oldIfindex = blueMember.ifindex;
    await blueMember.remove();
    core.apply({ ...inventory(), vrfs: inventory().vrfs.map((v) => (v.name === "blue" ? { ...v, members: [] } : v)) });
    const gone = await scrape(core);
    expect(has(gone, "vrf_interface_receive_packets_total", { interface: blueMember.name })).toBe(false);
    expect(total(gone, "vrf_config_problem", { vrf: "blue", check: "no_members" })).toBe(0);
    blueMember = await vethPair(53);
    expect(blueMember.ifindex).not.toBe(oldIfindex);
    core.apply(inventory());
    const recreated = await scrape(core);
    expect(total(recreated, "vrf_interface_receive_packets_total", { interface: blueMember.name })).toBe(0);
    await ping(blueMember, 2);
    expect(total(await scrape(core), "vrf_interface_receive_packets_total", { interface: blueMember.name })).toBe(2);
  });

  it("removes a departed VRF's series and zeroes its slot for whoever comes next", async () => {
    core.apply(hostInventory([{ name: "red", table: 10, device: red, members: [redMember] }]));
    const samples = await scrape(core);
    expect(has(samples, "vrf_info", { vrf: "blue" })).toBe(false);
    expect(has(samples, "vrf_receive_packets_total", { vrf: "blue" })).toBe(false);
    core.apply(inventory());
    expect(total(await scrape(core), "vrf_receive_packets_total", { vrf: "blue" })).toBe(0);
  });

  it("renders exposition that promtool accepts", async () => {
    const { body } = await core.metrics.render();
    const checked = await execa("promtool", ["check", "metrics"], { input: body, reject: false });
    expect(`${checked.stdout}${checked.stderr}`.trim()).toBe("");
    expect(checked.exitCode).toBe(0);
  });

  it("reports a failing collector as 0 and still serves the rest", async () => {
    const inventories = core.state.inventories.bind(core.state);
    core.state.inventories = () => {
      throw new Error("iproute2 said something odd");
    };
    try {
      const samples = await scrape(core);
      expect(total(samples, "vrf_agent_collector_success", { collector: "inventory" })).toBe(0);
      expect(total(samples, "vrf_agent_collector_success", { collector: "datapath" })).toBe(1);
      expect(has(samples, "vrf_info")).toBe(false);
      expect(has(samples, "vrf_receive_packets_total", { vrf: "red" })).toBe(true);
    } finally {
      core.state.inventories = inventories;
    }
  });
});

describe.for([
  [{ drops: false, unreachable: false }, ["vrf_egress", "vrf_ingress"]],
  [{ drops: true, unreachable: false }, ["vrf_drop", "vrf_egress", "vrf_ingress"]],
] as const)("hook families the config turns off (%o)", ([hooks, programs]) => {
  const root = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
  const warnings: string[] = [];
  let core: Core;
  beforeAll(async () => {
    const warn: CoreLog = (level, msg) => {
      if (level === "warn") warnings.push(msg);
    };
    core = await startCore(
      { addon, pinRoot: root, tcMode: "auto", expectedCross: [], log: warn, hooks },
      hostInventory([]),
    );
  });
  afterAll(async () => {
    core?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("loads none of their programs and attaches none of their tracing links", async () => {
    // Ours are the programs using this core's pinned ports_dense, which every program reads.
    const ports = JSON.parse(
      (await execa("bpftool", ["-j", "map", "show", "pinned", `${root}/ports_dense`])).stdout,
    ) as {
      id: number;
    };
    const ours = (await bpftoolListing<{ id: number; name: string; map_ids?: number[] }>("prog")).filter((p) =>
      p.map_ids?.includes(ports.id),
    );
    expect(ours.map((p) => p.name).sort()).toEqual(programs);
    // A tp_btf link shows as a raw tracepoint link, named by its tracepoint.
    const links = await bpftoolListing<{ prog_id: number; type: string; tp_name?: string }>("link");
    const tracing = links.filter((l) => ours.some((p) => p.id === l.prog_id)).map((l) => `${l.type} ${l.tp_name}`);
    expect(tracing).toEqual(hooks.drops ? ["raw_tracepoint kfree_skb"] : []);
  });

  it("exports 0 for a family turned off and says why, without a warning", async () => {
    const samples = await scrape(core);
    expect(total(samples, "vrf_agent_hook_family_loaded", { family: "traffic" })).toBe(1);
    expect(total(samples, "vrf_agent_hook_family_loaded", { family: "drops" })).toBe(hooks.drops ? 1 : 0);
    expect(total(samples, "vrf_agent_hook_family_loaded", { family: "unreachable" })).toBe(0);
    // Told apart from a family the kernel refused, so the alert on unloaded families stays quiet.
    expect(total(samples, "vrf_agent_hook_family_enabled", { family: "traffic" })).toBe(1);
    expect(total(samples, "vrf_agent_hook_family_enabled", { family: "drops" })).toBe(hooks.drops ? 1 : 0);
    expect(total(samples, "vrf_agent_hook_family_enabled", { family: "unreachable" })).toBe(0);
    expect(core.datapath.status.find((s) => s.family === "unreachable")).toEqual({
      family: "unreachable",
      loaded: false,
      disabled: true,
      error: "turned off (hooks.* in the config file or --no-collector.*)",
    });
    expect(warnings).toEqual([]);
  });
});
