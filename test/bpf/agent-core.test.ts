/**
 * The agent's core on this host's kernel: datapath, reconciler and metrics over real veth
 * traffic, through the real prom-client registry. This host has no VRF driver, so the inventory
 * is built by hand (veths play the VRF devices); the lab tier runs the real one.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Core, startCore } from "../../agent/core.js";
import { has, parseExposition, total } from "../../agent/exposition.js";
import { loadNative } from "../../agent/native.js";
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
    core.apply(
      { ...inventory(), vrfs: inventory().vrfs.map((v) => (v.name === "blue" ? { ...v, members: [] } : v)) },
      0,
    );
    const gone = await scrape(core);
    expect(has(gone, "vrf_interface_receive_packets_total", { interface: blueMember.name })).toBe(false);
    expect(total(gone, "vrf_config_problem", { vrf: "blue", check: "no_members" })).toBe(0);
    blueMember = await vethPair(53);
    expect(blueMember.ifindex).not.toBe(oldIfindex);
    core.apply(inventory(), 0);
    const recreated = await scrape(core);
    expect(total(recreated, "vrf_interface_receive_packets_total", { interface: blueMember.name })).toBe(0);
    await ping(blueMember, 2);
    expect(total(await scrape(core), "vrf_interface_receive_packets_total", { interface: blueMember.name })).toBe(2);
  });

  it("removes a departed VRF's series and zeroes its slot for whoever comes next", async () => {
    core.apply(hostInventory([{ name: "red", table: 10, device: red, members: [redMember] }]), 0);
    const samples = await scrape(core);
    expect(has(samples, "vrf_info", { vrf: "blue" })).toBe(false);
    expect(has(samples, "vrf_receive_packets_total", { vrf: "blue" })).toBe(false);
    core.apply(inventory(), 0);
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
