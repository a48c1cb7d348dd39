/**
 * The datapath on real traffic over a veth pair on this host's kernel, attached with tcx and
 * with legacy tc: what it counts equals what the interface's own counters say, drops arrive
 * under the kernel's reason names, and nothing is left behind after detaching.
 */
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropReasonNames } from "../../agent/datapath/drop-reasons.js";
import type { Traffic } from "../../agent/datapath/layout.js";
import { loadNative } from "../../agent/native.js";
import { guestProgram } from "../../lab/paths.js";
import { objectsDir, testDatapath } from "../support/datapath.js";
import { type LinkStats, type VethPair, vethPair } from "../support/veth.js";

const total = (counts: Traffic["packets"]["rx"]) => counts.ipv4 + counts.ipv6 + counts.other;

describe.each([
  ["tcx", 31],
  ["legacy", 32],
] as const)("real traffic through %s hooks", (mode, id) => {
  let dp: ReturnType<typeof testDatapath>;
  let veth: VethPair;
  beforeAll(async () => {
    dp = testDatapath();
    veth = await vethPair(id);
  });
  afterAll(async () => {
    await dp.remove();
    await veth.remove();
  });

  it("counts exactly what the interface counts, both directions, packets and bytes", async () => {
    dp.datapath.setPort(veth.ifindex, { vrf: 5, iface: 9, master: false });
    const hooks = dp.datapath.attachTc(veth.ifindex, mode);
    const before = await veth.stats();
    expect([hooks.ingress.kind, hooks.egress.kind]).toEqual(
      mode === "tcx" ? ["tcx", "tcx"] : ["legacy-tc", "legacy-tc"],
    );
    await veth.inPeer(["ping", "-c", "20", "-i", "0.01", "-q", veth.address]);
    const after = await veth.stats();
    const iface = dp.datapath.ifaceTraffic()[9];
    hooks.ingress.close();
    hooks.egress.close();
    const counted: LinkStats = {
      rxPackets: total(iface?.packets.rx ?? { ipv4: 0, ipv6: 0, other: 0 }),
      txPackets: total(iface?.packets.tx ?? { ipv4: 0, ipv6: 0, other: 0 }),
      rxBytes: total(iface?.bytes.rx ?? { ipv4: 0, ipv6: 0, other: 0 }),
      txBytes: total(iface?.bytes.tx ?? { ipv4: 0, ipv6: 0, other: 0 }),
    };
    expect(counted).toEqual({
      rxPackets: after.rxPackets - before.rxPackets,
      txPackets: after.txPackets - before.txPackets,
      rxBytes: after.rxBytes - before.rxBytes,
      txBytes: after.txBytes - before.txBytes,
    });
    expect(iface?.packets.rx.ipv4).toBeGreaterThanOrEqual(20);
    expect(dp.datapath.vrfTraffic()[5]).toEqual(iface);
  });

  it("leaves no filter, qdisc or link of its own behind", async () => {
    const tcx = (await execa("bpftool", ["-j", "link", "show"])).stdout;
    const links = (JSON.parse(tcx) as { type: string; ifindex?: number }[]).filter((l) => l.ifindex === veth.ifindex);
    expect(links).toEqual([]);
    for (const direction of ["ingress", "egress"]) {
      expect((await execa("tc", ["filter", "show", "dev", veth.name, direction])).stdout).toBe("");
    }
    expect((await execa("tc", ["qdisc", "show", "dev", veth.name])).stdout).not.toContain("clsact");
  });
});

describe("attachment etiquette", () => {
  let dp: ReturnType<typeof testDatapath>;
  let veth: VethPair;
  beforeAll(async () => {
    dp = testDatapath();
    veth = await vethPair(33);
  });
  afterAll(async () => {
    await dp.remove();
    await veth.remove();
  });

  it("never deletes a clsact qdisc that was there before it, nor others' filters", async () => {
    await execa("tc", ["qdisc", "add", "dev", veth.name, "clsact"]);
    // Someone else's filter: the baseline object, loaded by tc's own loader.
    const baseline = join(objectsDir, "baseline.bpf.o");
    await execa("tc", ["filter", "add", "dev", veth.name, "ingress", "prio", "7", "bpf", "da", "obj", baseline, "sec", "tc"]);
    const hooks = dp.datapath.attachTc(veth.ifindex, "legacy");
    hooks.ingress.close();
    hooks.egress.close();
    expect((await execa("tc", ["qdisc", "show", "dev", veth.name])).stdout).toContain("clsact");
    expect((await execa("tc", ["filter", "show", "dev", veth.name, "ingress"])).stdout).toContain("baseline.bpf.o");
  });

  it("counts traffic on an interface whose ifindex is past the dense array", async () => {
    const far = await vethPair(34, { index: 5000 });
    try {
      dp.datapath.setPort(far.ifindex, { vrf: 6, iface: 10, master: false });
      const hooks = dp.datapath.attachTc(far.ifindex);
      await far.inPeer(["ping", "-c", "5", "-i", "0.01", "-q", far.address]);
      hooks.ingress.close();
      hooks.egress.close();
      expect(far.ifindex).toBe(5000);
      expect(dp.datapath.vrfTraffic()[6]?.packets.rx.ipv4).toBe(5);
    } finally {
      await far.remove();
    }
  });
});

describe("drops by kernel reason", () => {
  let dp: ReturnType<typeof testDatapath>;
  let veth: VethPair;
  beforeAll(async () => {
    dp = testDatapath();
    veth = await vethPair(35);
  });
  afterAll(async () => {
    await dp.remove();
    await veth.remove();
  });

  it("counts each datagram to a closed port as a NO_SOCKET drop in the interface's VRF", async () => {
    expect(dp.datapath.status.find((s) => s.family === "drops")?.loaded).toBe(true);
    dp.datapath.setPort(veth.ifindex, { vrf: 7, iface: 11, master: false });
    const names = dropReasonNames(loadNative());
    const noSocket = [...names].find(([, name]) => name === "NO_SOCKET")?.[0];
    expect(noSocket).toBeDefined();
    const sent = JSON.parse(
      await veth.inPeer([process.execPath, guestProgram("udp-burst"), veth.address, "9", "25", "32"]),
    ) as { sent: number };
    expect(sent.sent).toBe(25);
    const drops = dp.datapath.drops().filter((d) => d.vrf === 7 && d.reason === noSocket);
    expect(drops.map((d) => d.count)).toEqual([25]);
  });
});
