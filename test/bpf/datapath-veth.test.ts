/**
 * The datapath on real traffic over a veth pair on this host's kernel, attached with tcx and
 * with legacy tc: what it counts equals what the interface's own counters say, drops arrive
 * under the kernel's reason names, and nothing is left behind after detaching.
 */
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Datapath } from "../../agent/datapath/datapath.js";
import { dropReasonNames } from "../../agent/datapath/drop-reasons.js";
import type { Traffic } from "../../agent/datapath/layout.js";
import { loadNative } from "../../agent/native.js";
import { guestProgram } from "../../lab/paths.js";
import { bpftoolListing } from "../support/bpftool.js";
import { objectsDir, testDatapath } from "../support/datapath.js";
import { type LinkStats, type VethPair, vethPair } from "../support/veth.js";

const total = (counts: Traffic["packets"]["rx"]) => counts.ipv4 + counts.ipv6 + counts.other;

/** A fresh datapath and veth pair for one describe block, both removed after its last test. */
function useDatapathOnVeth(id: number): { readonly datapath: Datapath; readonly veth: VethPair } {
  let dp: ReturnType<typeof testDatapath> | undefined;
  let veth: VethPair | undefined;
  beforeAll(async () => {
    dp = testDatapath();
    veth = await vethPair(id);
  });
  afterAll(async () => {
    await dp?.remove();
    await veth?.remove();
  });
  // Getters, because the hooks fill these in only after the describe block has been collected.
  return {
    get datapath() {
      if (!dp) throw new Error("no datapath outside the describe block's tests");
      return dp.datapath;
    },
    get veth() {
      if (!veth) throw new Error("no veth pair outside the describe block's tests");
      return veth;
    },
  };
}

describe.each([
  ["tcx", 31],
  ["legacy", 32],
] as const)("real traffic through %s hooks", (mode, id) => {
  const rig = useDatapathOnVeth(id);

  it("counts exactly what the interface counts, both directions, packets and bytes", async () => {
    rig.datapath.setPort(rig.veth.ifindex, { vrf: 5, iface: 9, master: false });
    const hooks = rig.datapath.attachTc(rig.veth.ifindex, mode);
    const before = await rig.veth.stats();
    expect([hooks.ingress.kind, hooks.egress.kind]).toEqual(
      mode === "tcx" ? ["tcx", "tcx"] : ["legacy-tc", "legacy-tc"],
    );
    await rig.veth.inPeer(["ping", "-c", "20", "-i", "0.01", "-q", rig.veth.address]);
    const after = await rig.veth.stats();
    const iface = rig.datapath.ifaceTraffic().at(9);
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
    expect(rig.datapath.vrfTraffic().at(5)).toEqual(iface);
  });

  it("leaves no filter, qdisc or link of its own behind", async () => {
    const links = (await bpftoolListing<{ type: string; ifindex?: number }>("link")).filter(
      (l) => l.ifindex === rig.veth.ifindex,
    );
    expect(links).toEqual([]);
    for (const direction of ["ingress", "egress"]) {
      expect((await execa("tc", ["filter", "show", "dev", rig.veth.name, direction])).stdout).toBe("");
    }
    expect((await execa("tc", ["qdisc", "show", "dev", rig.veth.name])).stdout).not.toContain("clsact");
  });
});

describe("attachment etiquette", () => {
  const rig = useDatapathOnVeth(33);

  it("never deletes a clsact qdisc that was there before it, nor others' filters", async () => {
    await execa("tc", ["qdisc", "add", "dev", rig.veth.name, "clsact"]);
    // Someone else's filter: the baseline object, loaded by tc's own loader.
    const baseline = join(objectsDir, "baseline.bpf.o");
    await execa("tc", [
      "filter",
      "add",
      "dev",
      rig.veth.name,
      "ingress",
      "prio",
      "7",
      "bpf",
      "da",
      "obj",
      baseline,
      "sec",
      "tc",
    ]);
    const hooks = rig.datapath.attachTc(rig.veth.ifindex, "legacy");
    hooks.ingress.close();
    hooks.egress.close();
    expect((await execa("tc", ["qdisc", "show", "dev", rig.veth.name])).stdout).toContain("clsact");
    expect((await execa("tc", ["filter", "show", "dev", rig.veth.name, "ingress"])).stdout).toContain("baseline.bpf.o");
  });

  it("counts traffic on an interface whose ifindex is past the dense array", async () => {
    const far = await vethPair(34, { index: 5000 });
    try {
      rig.datapath.setPort(far.ifindex, { vrf: 6, iface: 10, master: false });
      const hooks = rig.datapath.attachTc(far.ifindex);
      await far.inPeer(["ping", "-c", "5", "-i", "0.01", "-q", far.address]);
      hooks.ingress.close();
      hooks.egress.close();
      expect(far.ifindex).toBe(5000);
      expect(rig.datapath.vrfTraffic().at(6)?.packets.rx.ipv4).toBe(5);
    } finally {
      await far.remove();
    }
  });
});

describe("drops by kernel reason", () => {
  const rig = useDatapathOnVeth(35);

  it("counts each datagram to a closed port as a NO_SOCKET drop in the interface's VRF", async () => {
    expect(rig.datapath.status.find((s) => s.family === "drops")?.loaded).toBe(true);
    rig.datapath.setPort(rig.veth.ifindex, { vrf: 7, iface: 11, master: false });
    const names = dropReasonNames(loadNative());
    const noSocket = [...names].find(([, name]) => name === "NO_SOCKET")?.[0];
    expect(noSocket).toBeDefined();
    const sent = JSON.parse(
      await rig.veth.inPeer([process.execPath, guestProgram("udp-burst"), rig.veth.address, "9", "25", "32"]),
    ) as { sent: number };
    expect(sent.sent).toBe(25);
    const drops = rig.datapath.drops().filter((d) => d.vrf === 7 && d.reason === noSocket);
    expect(drops.map((d) => d.count)).toEqual([25]);
  });

  it("counts no drop of another namespace, even on a device numbered like one of ours", async () => {
    // kfree_skb fires for every namespace, and each numbers its devices on its own: the peer,
    // in its namespace, gets the very ifindex that has a port here.
    const twin = await vethPair(36, { index: 3036, peerIndex: 3036 });
    try {
      expect([twin.ifindex, Number(await twin.inPeer(["cat", "/sys/class/net/peer/ifindex"]))]).toEqual([3036, 3036]);
      rig.datapath.setPort(twin.ifindex, { vrf: 8, iface: 12, master: false });
      const noSocket = [...dropReasonNames(loadNative())].find(([, name]) => name === "NO_SOCKET")?.[0];
      const counted = () => rig.datapath.drops().flatMap((d) => (d.vrf === 8 ? [[d.reason, d.count]] : []));
      const burst = [guestProgram("udp-burst"), "9", "25", "32"];
      // Theirs: from here to a closed port of the peer, dropped in the peer's namespace.
      const theirs = await execa(process.execPath, [burst[0] ?? "", twin.peerAddress, ...burst.slice(1)]);
      expect(JSON.parse(theirs.stdout)).toEqual({ sent: 25, failed: 0 });
      expect(counted()).toEqual([]);
      // Ours: from the peer to a closed port here, so the test can tell the two apart.
      const ours = await twin.inPeer([process.execPath, burst[0] ?? "", twin.address, ...burst.slice(1)]);
      expect(JSON.parse(ours)).toEqual({ sent: 25, failed: 0 });
      expect(counted()).toEqual([[noSocket, 25]]);
    } finally {
      await twin.remove();
    }
  });
});
