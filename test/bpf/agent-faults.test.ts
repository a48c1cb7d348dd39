/**
 * The agent's core when the kernel moves under it, on this host's kernel: an interface the
 * inventory lists is gone by the time its hooks are attached (iproute2's view is always a little
 * old). The failure is reported and counted, the rest of the datapath attaches and counts, and
 * the next inventory, which no longer lists it, gives its slot back. In both attach modes, since
 * tcx links and legacy clsact filters fail in different calls.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Core, startCore } from "../../agent/core.js";
import type { TcMode } from "../../agent/datapath/datapath.js";
import { has, parseExposition, total } from "../../agent/exposition.js";
import { type BpfObject, loadNative } from "../../agent/native.js";
import type { ReconcileOutcome } from "../../agent/reconcile/reconciler.js";
import { objectsDir } from "../support/datapath.js";
import { hostInventory } from "../support/host-inventory.js";
import { u32 } from "../support/native-fixture.js";
import { type VethPair, vethPair } from "../support/veth.js";

const addon = loadNative();
const scrape = async (core: Core) => parseExposition((await core.metrics.render()).body);
const ping = (veth: VethPair, count: number) =>
  veth.inPeer(["ping", "-c", String(count), "-i", "0.01", "-q", veth.address]);

// Ids 60-69 are this file's (see vethPair); each mode gets five of its own.
describe.for([
  ["auto", 60],
  ["legacy", 65],
] as const)("an interface that vanishes before its hooks attach (tc mode %s)", ([tcMode, id]) => {
  const pinRoot = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  let red: VethPair;
  let redMember: VethPair;
  let blue: VethPair;
  let blueMember: VethPair;
  /** Deleted before the inventory that lists it is applied: its name and ifindex are all that is left. */
  let gone: VethPair;
  let core: Core;
  let outcome: ReconcileOutcome;
  const start = (inventory: ReturnType<typeof hostInventory>) =>
    startCore(
      {
        addon,
        pinRoot,
        tcMode: tcMode satisfies TcMode,
        expectedCross: [],
        log: (level, msg, fields) => {
          if (level === "warn" && !msg.includes("hooks unavailable")) warnings.push({ msg, ...(fields && { fields }) });
        },
      },
      inventory,
    );
  const withoutGone = () =>
    hostInventory([
      { name: "red", table: 10, device: red, members: [redMember] },
      { name: "blue", table: 20, device: blue, members: [blueMember] },
    ]);

  beforeAll(async () => {
    [red, redMember, blue, blueMember, gone] = await Promise.all([
      vethPair(id),
      vethPair(id + 1),
      vethPair(id + 2),
      vethPair(id + 3),
      vethPair(id + 4),
    ]);
    // Only red at first: blue and its member appear in the same inventory as the vanished one.
    core = await start(hostInventory([{ name: "red", table: 10, device: red, members: [redMember] }]));
    await gone.remove();
    // The vanished member comes first in its VRF, so the live ones after it prove one failure
    // does not end the pass.
    outcome = core.apply(
      hostInventory([
        { name: "red", table: 10, device: red, members: [gone, redMember] },
        { name: "blue", table: 20, device: blue, members: [blueMember] },
      ]),
    );
  });
  afterAll(async () => {
    core?.stop();
    await Promise.all([red, redMember, blue, blueMember, gone].map((v) => v?.remove()));
    await rm(pinRoot, { recursive: true, force: true });
  });

  it("reports the failure in the outcome, the log and the attach error counter", async () => {
    expect(outcome.failures).toEqual([{ ifname: gone.name, ifindex: gone.ifindex, message: expect.any(String) }]);
    expect(outcome.failures[0]?.message).toMatch(/No such device|ENODEV/);
    // Blue's device and member, attached after the failure in the same pass.
    expect(outcome.attached).toBe(2);
    expect(warnings).toEqual([
      {
        msg: "interface not counted",
        fields: { interface: gone.name, vrf: "red", reason: "attach_failed", error: outcome.failures[0]?.message },
      },
    ]);
    const samples = await scrape(core);
    expect(total(samples, "vrf_agent_attach_errors_total")).toBe(1);
    expect(total(samples, "vrf_agent_interface_uncounted", { interface: gone.name, reason: "attach_failed" })).toBe(1);
    expect(total(samples, "vrf_agent_interface_uncounted")).toBe(1);
    // Four interfaces (two VRF devices, two members), all in the mode asked for.
    const mode = tcMode === "legacy" || !addon.tcxSupported() ? "legacy-tc" : "tcx";
    expect(total(samples, "vrf_agent_hooks_attached", { mode })).toBe(4);
    expect(total(samples, "vrf_agent_hooks_attached")).toBe(4);
    expect(total(samples, "vrf_agent_collector_success")).toBe(3);
  });

  it("attaches and counts every other member", async () => {
    const before = await Promise.all([redMember.stats(), blueMember.stats()]);
    await Promise.all([ping(redMember, 7), ping(blueMember, 4)]);
    const after = await Promise.all([redMember.stats(), blueMember.stats()]);
    const samples = await scrape(core);
    for (const [i, [vrf, member, sent]] of (
      [
        ["red", redMember, 7],
        ["blue", blueMember, 4],
      ] as const
    ).entries()) {
      expect(total(samples, "vrf_interface_receive_packets_total", { vrf, interface: member.name })).toBe(sent);
      expect(total(samples, "vrf_interface_receive_packets_total", { vrf, interface: member.name })).toBe(
        (after[i]?.rxPackets ?? 0) - (before[i]?.rxPackets ?? 0),
      );
      expect(total(samples, "vrf_interface_transmit_packets_total", { vrf, interface: member.name })).toBe(
        (after[i]?.txPackets ?? 0) - (before[i]?.txPackets ?? 0),
      );
    }
    expect(total(samples, "vrf_interface_receive_packets_total", { interface: gone.name })).toBe(0);
  });

  it("gives the slot back once an inventory no longer lists it, without another error", async () => {
    const slotted = (entries: ReadonlyMap<number, { ifindex: number }>) =>
      [...entries.values()].some((entry) => entry.ifindex === gone.ifindex);
    expect(slotted(core.reconciler.slotEntries("iface"))).toBe(true);
    const next = core.apply(withoutGone());
    expect(next).toEqual({ attached: 0, detached: 0, failures: [] });
    expect(slotted(core.reconciler.slotEntries("iface"))).toBe(false);
    // The persisted copy too, or a restart would take the slot over again.
    expect(slotted(core.datapath.slots("iface"))).toBe(false);
    const samples = await scrape(core);
    expect(has(samples, "vrf_interface_receive_packets_total", { interface: gone.name })).toBe(false);
    expect(total(samples, "vrf_agent_attach_errors_total")).toBe(1);
    expect(total(samples, "vrf_agent_hooks_attached")).toBe(4);
    expect(has(samples, "vrf_agent_interface_uncounted")).toBe(false);
    expect(warnings).toHaveLength(1);
  });
});

// Ids 74-76: the map of interfaces with large ifindexes (ports_sparse) is full.
describe("a port map with no room left for one interface", () => {
  const pinRoot = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  let red: VethPair;
  let dense: VethPair;
  let sparse: VethPair;
  let core: Core;
  let filler: BpfObject;
  let outcome: ReconcileOutcome;
  const inventory = () => hostInventory([{ name: "red", table: 10, device: red, members: [sparse, dense] }]);

  beforeAll(async () => {
    [red, dense, sparse] = await Promise.all([vethPair(74), vethPair(75), vethPair(76, { index: 6000 })]);
    const log = (level: string, msg: string, fields?: Record<string, unknown>) => {
      if (level === "warn" && !msg.includes("hooks unavailable")) warnings.push({ msg, ...(fields && { fields }) });
    };
    core = await startCore({ addon, pinRoot, tcMode: "auto", expectedCross: [], log }, hostInventory([]));
    // The same pinned map, opened from a second copy of the object: filled with ifindexes no device has.
    filler = new addon.BpfObject(`${objectsDir}/traffic.bpf.o`, { pinRoot });
    filler.load();
    const ports = filler.map("ports_sparse");
    for (let i = 0; i < ports.maxEntries; i++) ports.update(u32(100_000 + i), Buffer.alloc(8));
    outcome = core.apply(inventory());
  });
  afterAll(async () => {
    filler?.close();
    core?.stop();
    await Promise.all([red, dense, sparse].map((v) => v?.remove()));
    await rm(pinRoot, { recursive: true, force: true });
  });

  it("leaves that interface uncounted, says why once, and counts the rest of the pass", async () => {
    expect(outcome.failures).toEqual([]);
    expect(outcome.attached).toBe(2);
    expect(warnings).toEqual([
      {
        msg: "interface not counted",
        fields: {
          interface: sparse.name,
          vrf: "red",
          reason: "port_map_full",
          error: expect.stringMatching(/E2BIG|too long/i),
        },
      },
    ]);
    const before = await dense.stats();
    await ping(dense, 6);
    const after = await dense.stats();
    const samples = await scrape(core);
    expect(total(samples, "vrf_interface_receive_packets_total", { interface: dense.name })).toBe(
      after.rxPackets - before.rxPackets,
    );
    expect(total(samples, "vrf_agent_interface_uncounted", { interface: sparse.name, reason: "port_map_full" })).toBe(
      1,
    );
    expect(total(samples, "vrf_agent_inventory_errors_total")).toBe(0);
    // The next pass tries again, without another line.
    core.apply(inventory());
    expect(warnings).toHaveLength(1);
  });

  it("counts it once there is room", async () => {
    filler.map("ports_sparse").delete(u32(100_000));
    expect(core.apply(inventory())).toEqual({ attached: 1, detached: 0, failures: [] });
    await ping(sparse, 3);
    const samples = await scrape(core);
    expect(total(samples, "vrf_interface_receive_packets_total", { interface: sparse.name })).toBe(3);
    expect(has(samples, "vrf_agent_interface_uncounted")).toBe(false);
  });
});
