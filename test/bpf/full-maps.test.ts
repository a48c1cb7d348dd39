/**
 * Full maps through the agent's core on this host's kernel: cross_traffic and drops made small
 * at load and filled from user space, so that what no longer fits shows in
 * vrf_agent_datapath_errors_total, one per packet, while what they already hold keeps counting
 * exactly. (The lab tier runs the same on 6.1, whose map updates answer differently.)
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Core, startCore } from "../../agent/core.js";
import { crossValueSize, dropValueSize, encodeCrossKey, encodeDropKey } from "../../agent/datapath/layout.js";
import { has, parseExposition, total } from "../../agent/exposition.js";
import { loadNative } from "../../agent/native.js";
import { guestProgram } from "../../lab/paths.js";
import { fillMap } from "../support/bpftool.js";
import { udp4Frame } from "../support/frames.js";
import { hostInventory } from "../support/host-inventory.js";
import { skbContext } from "../support/skb.js";
import { type VethPair, vethPair } from "../support/veth.js";

const addon = loadNative();
const pinRoot = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
const capacity = 4;
const run = async (argv: string[]) => (await execa(argv[0] ?? "", argv.slice(1))).stdout;
const scrape = async (core: Core) => parseExposition((await core.metrics.render()).body);
const errors = async (core: Core, error: string) =>
  total(await scrape(core), "vrf_agent_datapath_errors_total", { error });

// Ids 80-83 are this file's (see vethPair).
describe("maps full to the last entry", () => {
  let red: VethPair;
  let redMember: VethPair;
  let blue: VethPair;
  let blueMember: VethPair;
  let core: Core;

  beforeAll(async () => {
    [red, redMember, blue, blueMember] = await Promise.all([vethPair(80), vethPair(81), vethPair(82), vethPair(83)]);
    const inventory = hostInventory([
      { name: "red", table: 10, device: red, members: [redMember] },
      { name: "blue", table: 66, device: blue, members: [blueMember] },
    ]);
    const maxEntries = { cross_traffic: capacity, drops: capacity };
    core = await startCore({ addon, pinRoot, tcMode: "auto", expectedCross: [], log: () => {}, maxEntries }, inventory);
  });
  afterAll(async () => {
    core?.stop();
    await Promise.all([red, redMember, blue, blueMember].map((v) => v?.remove()));
    await rm(pinRoot, { recursive: true, force: true });
  });

  /** Packets leaving through `member` that entered through the VRF device `from`: what a leak looks like at egress. */
  const leak = (from: VethPair, member: VethPair, repeat: number) =>
    core.datapath.program("traffic", "vrf_egress").testRun({
      data: udp4Frame(),
      ctx: skbContext({ ifindex: member.ifindex, ingressIfindex: from.ifindex }),
      repeat,
    });
  /** Datagrams from a member's peer to a closed port of the member: NO_SOCKET drops in its VRF. */
  const dropsOn = async (member: VethPair, count: number) => {
    const argv = [process.execPath, guestProgram("udp-burst"), member.address, "9", String(count), "32"];
    expect(JSON.parse(await member.inPeer(argv))).toEqual({ sent: count, failed: 0 });
  };

  it("counts each packet of a new cross-VRF pair as cross_full; the pair already there keeps counting", async () => {
    leak(red, blueMember, 3);
    expect(core.datapath.cross().map((c) => [c.srcVrf, c.dstVrf, c.packets])).toHaveLength(1);
    const filled = await fillMap(
      run,
      `${pinRoot}/cross_traffic`,
      (i) => encodeCrossKey({ srcVrf: 200 + i, dstVrf: 201 + i }),
      crossValueSize,
    );
    expect(filled).toEqual({ inserted: capacity - 1, refused: expect.stringMatching(/Argument list too long/) });
    const before = await errors(core, "cross_full");
    leak(blue, redMember, 20);
    leak(red, blueMember, 15);
    const samples = await scrape(core);
    expect(total(samples, "vrf_cross_packets_total", { src_vrf: "red", dst_vrf: "blue" })).toBe(18);
    expect(has(samples, "vrf_cross_packets_total", { src_vrf: "blue", dst_vrf: "red" })).toBe(false);
    expect(total(samples, "vrf_agent_datapath_errors_total", { error: "cross_full" }) - before).toBe(20);
  });

  it("counts each drop under a new (VRF, reason) as drops_full; the keys already there keep counting", async () => {
    await dropsOn(redMember, 5);
    // Not necessarily one key: every BPF_PROG_TEST_RUN frees its skb with kfree_skb, a drop too.
    const present = core.datapath.drops().length;
    const filled = await fillMap(
      run,
      `${pinRoot}/drops`,
      (i) => encodeDropKey({ vrf: 200 + i, reason: 1 }),
      dropValueSize,
    );
    expect(filled).toEqual({ inserted: capacity - present, refused: expect.stringMatching(/Argument list too long/) });
    const before = await errors(core, "drops_full");
    await dropsOn(blueMember, 30);
    await dropsOn(redMember, 25);
    const samples = await scrape(core);
    expect(total(samples, "vrf_drops_total", { vrf: "red", reason: "NO_SOCKET" })).toBe(30);
    expect(has(samples, "vrf_drops_total", { vrf: "blue", reason: "NO_SOCKET" })).toBe(false);
    expect(total(samples, "vrf_agent_datapath_errors_total", { error: "drops_full" }) - before).toBe(30);
  });
});
