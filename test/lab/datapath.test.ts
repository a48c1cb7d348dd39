/**
 * The datapath on Debian's 6.1 kernel with the seed topology's real VRFs: every number is held
 * against the kernel's own interface counters or against the traffic the test sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossValueSize, dropValueSize, encodeCrossKey, encodeDropKey } from "../../agent/datapath/layout.js";
import { Lab } from "../../lab/lab.js";
import {
  addLeak,
  applyTopology,
  ping,
  removeLeak,
  sendUnreachable,
  udpBurst,
  unroutedDestination,
} from "../../lab/scenarios.js";
import { members, peerInterface, peerNamespace, seedTopology } from "../../lab/topology.js";
import { fillMap } from "../support/bpftool.js";
import { type Harness, type Snapshot, startHarness, totals } from "../support/lab-datapath.js";

const kernelDelta = (a: Snapshot, b: Snapshot, name: string) => ({
  rxPackets: (b.kernel[name]?.rx.packets ?? 0) - (a.kernel[name]?.rx.packets ?? 0),
  txPackets: (b.kernel[name]?.tx.packets ?? 0) - (a.kernel[name]?.tx.packets ?? 0),
  rxBytes: (b.kernel[name]?.rx.bytes ?? 0) - (a.kernel[name]?.rx.bytes ?? 0),
  txBytes: (b.kernel[name]?.tx.bytes ?? 0) - (a.kernel[name]?.tx.bytes ?? 0),
});
/** What grew between two snapshots, as rows ending in the count: drops, unreachable hits, cross-VRF packets. */
const grownDrops = (a: Snapshot, b: Snapshot) =>
  b.drops
    .map((d) => [
      d.vrf,
      d.reason,
      d.count - (a.drops.find((o) => o.vrf === d.vrf && o.reason === d.reason)?.count ?? 0),
    ])
    .filter((row) => (row[2] as number) > 0);
const grownUnreachable = (a: Snapshot, b: Snapshot) =>
  b.unreachable
    .map((u) => [
      u.vrf,
      u.family,
      u.route,
      u.count -
        (a.unreachable.find((o) => o.vrf === u.vrf && o.family === u.family && o.route === u.route)?.count ?? 0),
    ])
    .filter((row) => (row[3] as number) > 0);
const grownCross = (a: Snapshot, b: Snapshot) =>
  b.cross
    .map((c) => [c.src, c.dst, c.packets - (a.cross.find((o) => o.src === c.src && o.dst === c.dst)?.packets ?? 0)])
    .filter((row) => (row[2] as number) > 0);

/**
 * Neighbour discovery that earlier IPv6 traffic set going probes on for a while, and 6.1 frees
 * each NS and NA it handled as a NOT_SPECIFIED drop; flushed, no VRF drops anything unasked.
 */
async function flushIpv6Neighbours(lab: Lab): Promise<void> {
  await lab.run(["ip", "-6", "neigh", "flush", "all"]);
  for (const { member } of members(seedTopology)) {
    await lab.run(["ip", "-n", peerNamespace(member.name), "-6", "neigh", "flush", "all"]);
  }
}

const minus = (x: ReturnType<typeof totals>, y: ReturnType<typeof totals>) => ({
  rxPackets: x.rxPackets - y.rxPackets,
  txPackets: x.txPackets - y.txPackets,
  rxBytes: x.rxBytes - y.rxBytes,
  txBytes: x.txBytes - y.txBytes,
});

describe("the datapath on the lab's 6.1 kernel", () => {
  let lab: Lab;
  let harness: Harness;
  beforeAll(async () => {
    lab = await Lab.boot();
    await applyTopology(lab);
    // The peers' router solicitations (backing off from 4 s to an hour) are dropped by the VRFs
    // they reach, as NOT_SPECIFIED; stopped, a test's window holds its own drops only.
    for (const { member } of members(seedTopology)) {
      const setting = `net.ipv6.conf.${peerInterface}.router_solicitations=0`;
      await lab.run(["ip", "netns", "exec", peerNamespace(member.name), "sysctl", "-qw", setting]);
    }
    harness = await startHarness(lab);
  });
  afterAll(() => lab?.shutdown());

  it("loads all three hook families and attaches with legacy tc, 6.1 having no tcx", () => {
    expect(harness.status.map((s) => [s.family, s.loaded])).toEqual([
      ["traffic", true],
      ["drops", true],
      ["unreachable", true],
    ]);
    expect(harness.modes).toEqual(["legacy-tc"]);
  });

  it("counts per VRF exactly the sum of its members' kernel counters over a known burst", async () => {
    const a = await harness.snapshot();
    expect((await udpBurst(lab, { from: "eth1", to: "10.2.1.2", count: 200 })).sent).toBe(200);
    expect((await udpBurst(lab, { from: "eth2", to: "10.2.2.2", count: 100, size: 700 })).sent).toBe(100);
    expect(await ping(lab, { from: "eth3", family: "ipv6", count: 5 })).toEqual({ transmitted: 5, received: 5 });
    const b = await harness.snapshot();
    for (const vrf of seedTopology.vrfs) {
      const members = vrf.members.map((m) => kernelDelta(a, b, m.name));
      const kernelSum = members.reduce(
        (s, m) => ({
          rxPackets: s.rxPackets + m.rxPackets,
          txPackets: s.txPackets + m.txPackets,
          rxBytes: s.rxBytes + m.rxBytes,
          txBytes: s.txBytes + m.txBytes,
        }),
        { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0 },
      );
      expect(minus(totals(b.vrf[vrf.name]), totals(a.vrf[vrf.name])), vrf.name).toEqual(kernelSum);
      for (const m of vrf.members) {
        expect(minus(totals(b.iface[m.name]), totals(a.iface[m.name])), m.name).toEqual(kernelDelta(a, b, m.name));
      }
    }
    const redRx = (b.vrf.red?.packets.rx.ipv4 ?? 0) - (a.vrf.red?.packets.rx.ipv4 ?? 0);
    expect(redRx).toBeGreaterThanOrEqual(300);
  });

  it("shows a leak of N packets from red into blue as exactly N, and nothing elsewhere", async () => {
    const leak = await addLeak(lab, { from: "red", to: "blue" });
    const a = await harness.snapshot();
    expect((await udpBurst(lab, { from: "eth1", to: leak.destination, count: 40 })).sent).toBe(40);
    const b = await harness.snapshot();
    await removeLeak(lab, leak);
    const grown = b.cross
      .map((c) => ({
        ...c,
        packets: c.packets - (a.cross.find((o) => o.src === c.src && o.dst === c.dst)?.packets ?? 0),
      }))
      .filter((c) => c.packets > 0)
      .map((c) => [c.src, c.dst, c.packets]);
    expect(grown).toEqual([["red", "blue", 40]]);
  });

  it("counts N packets to unrouted destinations as exactly N unreachable hits, IPv4 and IPv6", async () => {
    const a = await harness.snapshot();
    expect((await sendUnreachable(lab, { vrf: "red", family: "ipv4", count: 30 })).sent).toBe(30);
    expect((await sendUnreachable(lab, { vrf: "blue", family: "ipv6", count: 20 })).sent).toBe(20);
    const b = await harness.snapshot();
    const hits = (s: Snapshot, vrf: string, family: string) =>
      s.unreachable.find((u) => u.vrf === vrf && u.family === family && u.route === "unreachable")?.count ?? 0;
    expect(hits(b, "red", "ipv4") - hits(a, "red", "ipv4")).toBe(30);
    expect(hits(b, "blue", "ipv6") - hits(a, "blue", "ipv6")).toBe(20);
  });

  it("tells blackhole and prohibit routes apart, and never counts a lookup that carries no packet", async () => {
    const routes = [
      ["-4", "vrf", "green", "blackhole", `${unroutedDestination.ipv4}/32`],
      ["-6", "vrf", "green", "blackhole", `${unroutedDestination.ipv6}/128`],
      ["-4", "vrf", "blue", "prohibit", `${unroutedDestination.ipv4}/32`],
      ["-6", "vrf", "blue", "prohibit", `${unroutedDestination.ipv6}/128`],
    ];
    for (const route of routes) await lab.run(["ip", ...route.slice(0, 1), "route", "add", ...route.slice(1)]);
    const a = await harness.snapshot();
    for (const [vrf, count] of [
      ["green", 15],
      ["blue", 10],
    ] as const) {
      for (const family of ["ipv4", "ipv6"] as const) {
        expect((await sendUnreachable(lab, { vrf, family, count })).sent).toBe(count);
      }
    }
    for (const family of ["ipv4", "ipv6"] as const) {
      const flag = family === "ipv4" ? "-4" : "-6";
      for (let i = 0; i < 10; i++)
        await lab.exec(["ip", flag, "route", "get", "vrf", "red", unroutedDestination[family]]);
    }
    const b = await harness.snapshot();
    for (const route of routes) await lab.run(["ip", ...route.slice(0, 1), "route", "delete", ...route.slice(1)]);
    const grown = b.unreachable
      .map((u) => ({
        ...u,
        count:
          u.count -
          (a.unreachable.find((o) => o.vrf === u.vrf && o.family === u.family && o.route === u.route)?.count ?? 0),
      }))
      .filter((u) => u.count > 0)
      .map((u) => [u.vrf, u.family, u.route, u.count]);
    expect(grown.sort()).toEqual([
      ["blue", "ipv4", "prohibit", 10],
      ["blue", "ipv6", "prohibit", 10],
      ["green", "ipv4", "blackhole", 15],
      ["green", "ipv6", "blackhole", 15],
    ]);
  });

  it("counts drops under this kernel's reason names", async () => {
    const a = await harness.snapshot();
    expect((await udpBurst(lab, { from: "eth4", to: "10.2.4.2", port: 9, count: 25 })).sent).toBe(25);
    const b = await harness.snapshot();
    const noSocket = (s: Snapshot) => s.drops.find((d) => d.vrf === "green" && d.reason === "NO_SOCKET")?.count ?? 0;
    expect(noSocket(b) - noSocket(a)).toBe(25);
  });

  it("counts no drop and no unreachable hit of other namespaces, even on devices numbered like ours", async () => {
    // Every namespace numbers its devices from 1, and the global hooks see them all. Two
    // namespaces without VRFs: alien-b's b0 carries red's VRF device ifindex, alien-a's a0 eth1's.
    const ifindex = async (name: string) =>
      (await lab.ipJson<{ ifindex: number }[]>(["link", "show", name]))[0]?.ifindex;
    const [redDevice, eth1] = [await ifindex("red"), await ifindex("eth1")];
    const alien = (ns: string, ...argv: string[]) => lab.run(["ip", "netns", "exec", ns, ...argv]);
    for (const ns of ["alien-a", "alien-b"]) await lab.run(["ip", "netns", "add", ns]);
    await lab.run([
      "ip",
      "-n",
      "alien-a",
      "link",
      "add",
      "a0",
      "index",
      String(eth1),
      "type",
      "veth",
      "peer",
      "name",
      "b0",
      "index",
      String(redDevice),
      "netns",
      "alien-b",
    ]);
    const setup = [
      [
        "alien-a",
        "addr add 10.77.0.1/24 dev a0",
        "addr add fd77::1/64 dev a0 nodad",
        "link set a0 up",
        "link set lo up",
        "route add default via 10.77.0.2",
        "route add default via fd77::2",
      ],
      [
        "alien-b",
        "addr add 10.77.0.2/24 dev b0",
        "addr add fd77::2/64 dev b0 nodad",
        "link set b0 up",
        "link set lo up",
        `route add unreachable ${unroutedDestination.ipv4}/32`,
        `route add unreachable ${unroutedDestination.ipv6}/128`,
      ],
    ];
    for (const [ns = "", ...commands] of setup)
      await lab.run(["ip", "-n", ns, "-batch", "-"], { input: `${commands.join("\n")}\n` });
    await alien("alien-b", "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
    expect([
      await ifindex("red"),
      (await lab.ipJson<{ ifindex: number }[]>(["-n", "alien-b", "link", "show", "b0"]))[0]?.ifindex,
    ]).toEqual([redDevice, redDevice]);
    const burst = async (ns: string, to: string, count: number) =>
      JSON.parse(await alien(ns, ...lab.node("udp-burst", [to, "9", String(count), "32"]))) as { sent: number };

    await flushIpv6Neighbours(lab);
    const a = await harness.snapshot();
    // Theirs: forwarded into unreachable routes through b0, and datagrams to closed ports on b0 and a0.
    expect((await burst("alien-a", unroutedDestination.ipv4, 30)).sent).toBe(30);
    expect((await burst("alien-a", unroutedDestination.ipv6, 20)).sent).toBe(20);
    expect((await burst("alien-a", "10.77.0.2", 25)).sent).toBe(25);
    expect((await burst("alien-b", "10.77.0.1", 25)).sent).toBe(25);
    // Ours, in the same window: they must still count exactly.
    expect((await sendUnreachable(lab, { vrf: "red", family: "ipv4", count: 12 })).sent).toBe(12);
    expect((await udpBurst(lab, { from: "eth4", to: "10.2.4.2", port: 9, count: 15 })).sent).toBe(15);
    const b = await harness.snapshot();
    for (const ns of ["alien-a", "alien-b"]) await lab.run(["ip", "netns", "delete", ns]);

    expect({ unreachable: grownUnreachable(a, b), drops: grownDrops(a, b).sort() }).toEqual({
      unreachable: [["red", "ipv4", "unreachable", 12]],
      // ip_error drops what it answers with an ICMP error, on 6.1 without a specific reason.
      drops: [
        ["green", "NO_SOCKET", 15],
        ["red", "NOT_SPECIFIED", 12],
      ],
    });
  });

  describe("with maps too small for what comes (a second harness, its own maps)", () => {
    const capacity = 4;
    let small: Harness;
    const run = (argv: string[]) => lab.run(argv);
    beforeAll(async () => {
      small = await startHarness(lab, { name: "small-maps", maxEntries: { cross_traffic: capacity, drops: capacity } });
      await flushIpv6Neighbours(lab);
    });

    it("counts every drop under a new key of a full drops map as drops_full, and the keys in it keep counting", async () => {
      expect((await udpBurst(lab, { from: "eth4", to: "10.2.4.2", port: 9, count: 5 })).sent).toBe(5);
      const filled = await fillMap(
        run,
        `${small.pinRoot}/drops`,
        (i) => encodeDropKey({ vrf: 200 + i, reason: 1 }),
        dropValueSize,
      );
      expect(filled.refused).toMatch(/Argument list too long/);
      expect(filled.inserted).toBeLessThan(capacity);
      const a = await small.snapshot();
      expect(a.drops.length).toBe(capacity);
      expect(a.drops.find((d) => d.vrf === "green" && d.reason === "NO_SOCKET")?.count).toBe(5);
      expect((await udpBurst(lab, { from: "eth3", to: "10.2.3.2", port: 9, count: 30 })).sent).toBe(30);
      expect((await udpBurst(lab, { from: "eth4", to: "10.2.4.2", port: 9, count: 25 })).sent).toBe(25);
      const b = await small.snapshot();
      expect(grownDrops(a, b)).toEqual([["green", "NO_SOCKET", 25]]);
      expect((b.errors.drops_full ?? 0) - (a.errors.drops_full ?? 0)).toBe(30);
    });

    it("counts every packet of a new pair in a full cross_traffic map as cross_full, and the pairs in it keep counting", async () => {
      const toBlue = await addLeak(lab, { from: "red", to: "blue" });
      const toGreen = await addLeak(lab, { from: "red", to: "green" });
      try {
        expect((await udpBurst(lab, { from: "eth1", to: toBlue.destination, count: 10 })).sent).toBe(10);
        const filled = await fillMap(
          run,
          `${small.pinRoot}/cross_traffic`,
          (i) => encodeCrossKey({ srcVrf: 200 + i, dstVrf: 201 + i }),
          crossValueSize,
        );
        expect(filled).toEqual({ inserted: capacity - 1, refused: expect.stringMatching(/Argument list too long/) });
        const a = await small.snapshot();
        expect(a.cross.find((c) => c.src === "red" && c.dst === "blue")?.packets).toBe(10);
        expect((await udpBurst(lab, { from: "eth1", to: toGreen.destination, count: 20 })).sent).toBe(20);
        expect((await udpBurst(lab, { from: "eth1", to: toBlue.destination, count: 15 })).sent).toBe(15);
        const b = await small.snapshot();
        expect(grownCross(a, b)).toEqual([["red", "blue", 15]]);
        expect((b.errors.cross_full ?? 0) - (a.errors.cross_full ?? 0)).toBe(20);
      } finally {
        await removeLeak(lab, toBlue);
        await removeLeak(lab, toGreen);
      }
    });
  });
});
