/**
 * The tc programs on crafted frames through BPF_PROG_TEST_RUN on this host's kernel: exact map
 * values for each family, VLAN tags, truncated and garbage frames, cross-VRF contexts, the
 * sparse ifindex path, and proof that no packet is ever changed or stopped.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Datapath } from "../../agent/datapath/datapath.js";
import type { Traffic } from "../../agent/datapath/layout.js";
import { tcActUnspec } from "../support/bpftool.js";
import { testDatapath } from "../support/datapath.js";
import { arpFrame, garbageFrame, truncatedVlanFrame, udp4Frame, udp6Frame, vlanUdp4Frame } from "../support/frames.js";
import { skbContext } from "../support/skb.js";

const lo = 1;
/** An ifindex no device has: only a map key, as ingress_ifindex of a packet from another VRF. */
const otherVrfDevice = 77;
const repeat = 1000;

describe("tc programs on crafted frames", () => {
  let dp: ReturnType<typeof testDatapath>;
  let datapath: Datapath;
  beforeAll(() => {
    dp = testDatapath();
    datapath = dp.datapath;
    expect(datapath.status.find((s) => s.family === "traffic")).toEqual({ family: "traffic", loaded: true });
  });
  afterAll(() => dp.remove());
  beforeEach(() => {
    // Fresh slots per test: lo in VRF 1, another VRF's device in VRF 2.
    datapath.setPort(lo, { vrf: 1, iface: 1, master: false });
    datapath.setPort(otherVrfDevice, { vrf: 2, iface: 2, master: true });
  });

  const run = (program: "vrf_ingress" | "vrf_egress", data: Buffer, ingressIfindex = 0) => {
    const before = { vrf: datapath.vrfTraffic().at(1), iface: datapath.ifaceTraffic().at(1), cross: datapath.cross() };
    const result = datapath
      .program("traffic", program)
      .testRun({ data, ctx: skbContext({ ifindex: lo, ingressIfindex }), repeat });
    expect(result.retval).toBe(tcActUnspec);
    expect(result.dataOut.equals(data)).toBe(true);
    const diff = (a: Traffic | undefined, b: Traffic | undefined) => ({
      packets: subtract(a?.packets, b?.packets),
      bytes: subtract(a?.bytes, b?.bytes),
    });
    return {
      vrf: diff(datapath.vrfTraffic().at(1), before.vrf),
      iface: diff(datapath.ifaceTraffic().at(1), before.iface),
      cross: datapath.cross().map((c) => {
        const old = before.cross.find((o) => o.srcVrf === c.srcVrf && o.dstVrf === c.dstVrf);
        return { ...c, packets: c.packets - (old?.packets ?? 0), bytes: c.bytes - (old?.bytes ?? 0) };
      }),
    };
  };

  it.each([
    ["IPv4", udp4Frame(), "ipv4"],
    ["IPv6", udp6Frame(), "ipv6"],
    ["ARP", arpFrame(), "other"],
    ["802.1Q-tagged IPv4", vlanUdp4Frame(), "ipv4"],
    ["a VLAN tag cut short", truncatedVlanFrame(), "other"],
    ["garbage", garbageFrame(), "other"],
  ] as const)("counts %s at ingress as %s, packets and bytes exactly", (_, frame, family) => {
    const { vrf, iface } = run("vrf_ingress", frame);
    const expected = { ipv4: 0, ipv6: 0, other: 0, [family]: repeat };
    expect(vrf.packets).toEqual({ rx: expected, tx: { ipv4: 0, ipv6: 0, other: 0 } });
    expect(vrf.bytes.rx[family]).toBe(repeat * frame.length);
    expect(iface).toEqual(vrf);
  });

  it("counts egress as tx, and locally generated traffic (ingress ifindex 0) is no leak", () => {
    const { vrf, cross } = run("vrf_egress", udp4Frame());
    expect(vrf.packets.tx.ipv4).toBe(repeat);
    expect(vrf.packets.rx.ipv4).toBe(0);
    expect(cross.filter((c) => c.packets > 0)).toEqual([]);
  });

  it("counts a packet that entered through another VRF as a leak from it, once per packet", () => {
    const frame = udp6Frame(100);
    const { vrf, cross } = run("vrf_egress", frame, otherVrfDevice);
    expect(vrf.packets.tx.ipv6).toBe(repeat);
    expect(cross.filter((c) => c.packets > 0)).toEqual([
      { srcVrf: 2, dstVrf: 1, packets: repeat, bytes: repeat * frame.length },
    ]);
  });

  it("counts no leak for traffic forwarded within one VRF", () => {
    datapath.setPort(otherVrfDevice, { vrf: 1, iface: 2, master: true });
    expect(run("vrf_egress", udp4Frame(), otherVrfDevice).cross.filter((c) => c.packets > 0)).toEqual([]);
  });

  it("counts a VRF device's own hooks in its interface row only, never in the VRF total", () => {
    datapath.setPort(lo, { vrf: 1, iface: 1, master: true });
    const { vrf, iface } = run("vrf_ingress", udp4Frame());
    expect(iface.packets.rx.ipv4).toBe(repeat);
    expect(vrf.packets.rx.ipv4).toBe(0);
  });

  it("counts nothing on an interface the agent does not watch, and still passes the packet", () => {
    datapath.deletePort(lo);
    const { vrf, iface } = run("vrf_ingress", udp4Frame());
    expect([vrf.packets.rx.ipv4, iface.packets.rx.ipv4]).toEqual([0, 0]);
  });
});

function subtract(a: Traffic["packets"] | undefined, b: Traffic["packets"] | undefined): Traffic["packets"] {
  const zero = { ipv4: 0, ipv6: 0, other: 0 };
  const side = (x = zero, y = zero) => ({ ipv4: x.ipv4 - y.ipv4, ipv6: x.ipv6 - y.ipv6, other: x.other - y.other });
  return { rx: side(a?.rx, b?.rx), tx: side(a?.tx, b?.tx) };
}
