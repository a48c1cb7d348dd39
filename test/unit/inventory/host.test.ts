/**
 * readInventory end to end with the host's real iproute2, in a namespace made for the test
 * (root only; skipped otherwise). This host's kernel has no VRF driver, so the VRF side is the
 * fixtures' job; this proves the commands, flags and sysctl read against a live system.
 */
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInventory } from "../../../agent/inventory/read.js";

const root = process.getuid?.() === 0;
const hasIp = await execa("ip", ["-V"]).then(
  () => true,
  () => false,
);

describe.skipIf(!root || !hasIp)("readInventory on the host (root)", () => {
  const netns = `vrfagt-r-${process.pid}`;
  const ip = (...args: string[]) => execa("ip", ["-n", netns, ...args]);

  beforeAll(async () => {
    await execa("ip", ["netns", "add", netns]);
    await ip("link", "add", "vrfagt-r0", "type", "veth", "peer", "name", "vrfagt-r1");
    await ip("address", "add", "192.0.2.1/30", "dev", "vrfagt-r0");
    await ip("link", "set", "vrfagt-r0", "up");
    await execa("ip", ["netns", "exec", netns, "sysctl", "-qw", "net.ipv4.udp_l3mdev_accept=1"]);
  });
  afterAll(async () => {
    await execa("ip", ["netns", "delete", netns], { reject: false });
  });

  it("reads links, addresses, rules and the namespace's own sysctls", async () => {
    const inventory = await readInventory({ netns });
    expect(inventory.netns).toBe(netns);
    expect(inventory.vrfs).toEqual([]);
    const r0 = inventory.links.find((l) => l.name === "vrfagt-r0");
    expect(r0).toMatchObject({ kind: "veth", operState: "LOWERLAYERDOWN", up: false });
    expect(r0?.addresses).toContainEqual({ family: "ipv4", address: "192.0.2.1", prefixLength: 30 });
    expect(r0?.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(inventory.links.map((l) => l.name).sort()).toEqual(["lo", "vrfagt-r0", "vrfagt-r1"]);
    const ifindexes = inventory.links.map((l) => l.ifindex);
    expect(ifindexes).toEqual([...ifindexes].sort((a, b) => a - b));
    expect(inventory.rules.filter((r) => r.family === "ipv4").map((r) => [r.priority, r.table])).toEqual([
      [0, "local"],
      [32766, "main"],
      [32767, "default"],
    ]);
    expect(inventory.sysctls.udp).toBe(1);
    expect(inventory.problems).toEqual([]);
  });
});
