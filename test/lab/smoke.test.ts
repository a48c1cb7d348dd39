import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bpfObjectPath } from "../../agent/artifacts.js";
import { delta, snmpCounters } from "../../lab/counters.js";
import { Lab } from "../../lab/lab.js";
import { addLeak, applyTopology, ping, removeLeak, sendUnreachable, udpBurst } from "../../lab/scenarios.js";
import { members, peerNamespace, seedTopology } from "../../lab/topology.js";
import { tcActUnspec, testRunObject } from "../support/bpftool.js";
import { udp4Frame } from "../support/frames.js";

interface IpLink {
  ifname: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { table?: number } };
}

describe("the lab guest with the seed topology", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.boot();
    await applyTopology(lab);
  });
  afterAll(() => lab?.shutdown());

  it("runs Debian's VRF kernel, not the host's", () => {
    expect(lab.kernelRelease).toMatch(/^6\.1\.\d+-\d+-amd64$/);
  });

  it("has exactly the four VRFs with tables 1, 10, 66 and 81", async () => {
    const vrfs = await lab.ipJson<IpLink[]>(["-d", "link", "show", "type", "vrf"]);
    const tables = vrfs.map((link) => [link.ifname, link.linkinfo?.info_data?.table]);
    expect(tables.sort()).toEqual([
      ["blue", 66],
      ["green", 81],
      ["mgmt", 1],
      ["red", 10],
    ]);
  });

  it("has every member enslaved to its VRF", async () => {
    const links = await lab.ipJson<IpLink[]>(["link", "show"]);
    for (const { vrf, member } of members(seedTopology)) {
      expect(links.find((link) => link.ifname === member.name)?.master, member.name).toBe(vrf.name);
    }
  });

  it("ends red's table in the unreachable default", async () => {
    const routes = await lab.run(["ip", "route", "show", "vrf", "red"]);
    expect(routes).toMatch(/^unreachable default metric 4278198272\s*$/m);
  });

  it("answers a ping from a peer namespace to 10.2.1.2", async () => {
    expect(await ping(lab, { from: "eth1", to: "10.2.1.2", count: 3 })).toEqual({ transmitted: 3, received: 3 });
  });

  it("answers over IPv6 inside a VRF", async () => {
    expect(await ping(lab, { from: "eth3", family: "ipv6", count: 2 })).toEqual({ transmitted: 2, received: 2 });
  });

  it("delivers exactly a leaked burst from red into blue, and nothing once the leak is gone", async () => {
    const blue = peerNamespace("eth3");
    const leak = await addLeak(lab, { from: "red", to: "blue" });
    let before = await snmpCounters(lab, blue);
    expect(await udpBurst(lab, { from: "eth1", to: leak.destination, count: 40 })).toEqual({ sent: 40, failed: 0 });
    expect(delta(before, await snmpCounters(lab, blue)).get("UdpNoPorts")).toBe(40);

    await removeLeak(lab, leak);
    before = await snmpCounters(lab, blue);
    await udpBurst(lab, { from: "eth1", to: leak.destination, count: 10 });
    expect(delta(before, await snmpCounters(lab, blue)).get("UdpNoPorts")).toBe(0);
  });

  it("ends traffic to unrouted destinations on the VRF's unreachable default", async () => {
    const red = peerNamespace("eth1");
    const before = await snmpCounters(lab, red);
    expect(await sendUnreachable(lab, { vrf: "red", family: "ipv6", count: 20 })).toEqual({ sent: 20, failed: 0 });
    const after = delta(before, await snmpCounters(lab, red));
    // ICMP errors are rate-limited, so at least one comes back, not one per datagram.
    expect(after.get("Icmp6InDestUnreachs")).toBeGreaterThan(0);
  });

  it("loads and runs the baseline tc program on the 6.1 kernel through CO-RE", async () => {
    const frame = join(lab.outDir, "udp4.bin");
    await writeFile(frame, udp4Frame());
    const result = await testRunObject((argv) => lab.run(argv), bpfObjectPath("baseline"), frame);
    expect(result.retval).toBe(tcActUnspec);
  });
});
