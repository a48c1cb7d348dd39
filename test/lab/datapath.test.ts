/**
 * The datapath on Debian's 6.1 kernel with the seed topology's real VRFs: every number is held
 * against the kernel's own interface counters or against the traffic the test sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { seedTopology } from "../../lab/topology.js";
import { type Snapshot, startHarness, totals } from "../support/lab-datapath.js";

type Harness = Awaited<ReturnType<typeof startHarness>>;

const kernelDelta = (a: Snapshot, b: Snapshot, name: string) => ({
  rxPackets: (b.kernel[name]?.rx.packets ?? 0) - (a.kernel[name]?.rx.packets ?? 0),
  txPackets: (b.kernel[name]?.tx.packets ?? 0) - (a.kernel[name]?.tx.packets ?? 0),
  rxBytes: (b.kernel[name]?.rx.bytes ?? 0) - (a.kernel[name]?.rx.bytes ?? 0),
  txBytes: (b.kernel[name]?.tx.bytes ?? 0) - (a.kernel[name]?.tx.bytes ?? 0),
});
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
});
