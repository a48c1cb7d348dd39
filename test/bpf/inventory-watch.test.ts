/**
 * The addon's inventory watch on the host kernel, in namespaces the tests create: the thread
 * enters the namespace (sockets and sysctls are that namespace's), rules are decoded as iproute2
 * reads them, main-table churn never reaches the agent, and lost notifications are repaired.
 * This kernel has no VRF driver: VRFs, members and their tables are the lab tier's to prove.
 */
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { type InventoryWatch, openInventory } from "../../agent/inventory/index.js";
import { loadNative } from "../../agent/native.js";

const addon = loadNative();
const made: string[] = [];
const watches: InventoryWatch[] = [];

async function namespace(suffix: string): Promise<(...args: string[]) => Promise<string>> {
  const name = `vrfagt-iw-${suffix}-${process.pid}`;
  await execa("ip", ["netns", "add", name]);
  made.push(name);
  return async (...args) => (await execa("ip", ["-n", name, ...args])).stdout;
}
const nameOf = (suffix: string) => `vrfagt-iw-${suffix}-${process.pid}`;

async function watch(netns: string, options: { receiveBufferBytes?: number } = {}) {
  const opened = await openInventory(addon, { netns, ...options });
  watches.push(opened);
  return opened;
}

const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

afterEach(async () => {
  for (const w of watches.splice(0)) w.stop();
  for (const name of made.splice(0)) await execa("ip", ["netns", "delete", name], { reject: false });
});

describe("the inventory watch on the host kernel", () => {
  it("reads a namespace's rules and sysctls from inside it, as iproute2 does", async () => {
    const ip = await namespace("a");
    await ip("link", "add", "wa0", "type", "veth", "peer", "name", "wa1");
    await ip("rule", "add", "pref", "100", "from", "10.0.0.0/8", "iif", "wa0", "lookup", "100");
    await ip("rule", "add", "pref", "200", "not", "fwmark", "0x10/0xff", "lookup", "main");
    await ip("rule", "add", "pref", "300", "ipproto", "tcp", "dport", "22", "unreachable");
    await ip("-6", "rule", "add", "pref", "400", "to", "2001:db8::/32", "goto", "32766");
    await execa("ip", ["netns", "exec", nameOf("a"), "sysctl", "-qw", "net.ipv4.udp_l3mdev_accept=1"]);
    const inventory = (await watch(nameOf("a"))).current();

    expect(inventory.netns).toBe(nameOf("a"));
    expect(inventory.vrfs).toEqual([]);
    // This process's own namespace keeps the kernel's default 0: the value came from inside.
    expect(inventory.sysctls.udp).toBe(1);
    const shown = (family: string) =>
      ip("-j", family, "rule", "show").then((out) => JSON.parse(out) as { priority: number; table?: string }[]);
    for (const [family, flag] of [
      ["ipv4", "-4"],
      ["ipv6", "-6"],
    ] as const) {
      const mine = inventory.rules.filter((r) => r.family === family);
      expect(mine.map((r) => [r.priority, r.table])).toEqual((await shown(flag)).map((r) => [r.priority, r.table]));
    }
    const at = (priority: number) => inventory.rules.find((r) => r.priority === priority);
    expect(at(100)).toMatchObject({ table: "100", selectors: ["from 10.0.0.0/8", "iif wa0"] });
    expect(at(200)).toMatchObject({ table: "main", selectors: ["not", "fwmark 0x10/0xff"] });
    expect(at(300)).toMatchObject({ action: "unreachable", selectors: ["ipproto tcp", "dport 22"] });
    expect(at(400)).toMatchObject({ family: "ipv6", action: "goto 32766", selectors: ["to 2001:db8::/32"] });
    expect(inventory.problems).toEqual([]);
  });

  it("says in one error which namespace it could not enter", async () => {
    await expect(openInventory(addon, { netns: "vrfagt-iw-none" })).rejects.toThrow(
      "inventory of namespace vrfagt-iw-none: entering /run/netns/vrfagt-iw-none failed: no such file or directory",
    );
  });

  it("is not woken by main-table routes, and sees rule changes", async () => {
    const ip = await namespace("b");
    await ip("link", "add", "wb0", "type", "veth", "peer", "name", "wb1");
    await ip("link", "set", "wb0", "up");
    const w = await watch(nameOf("b"));
    const changes: number[] = [];
    w.onChange(
      (inventory) => changes.push(inventory.rules.length),
      (error) => {
        throw error;
      },
    );
    const lines = Array.from({ length: 2000 }, (_, i) => `route add 10.1.${i >> 8}.${i & 255}/32 dev wb0`);
    await execa("ip", ["-n", nameOf("b"), "-batch", "-"], { input: lines.join("\n") });
    await ip("route", "add", "10.2.0.0/16", "dev", "wb0", "table", "100");
    await ip("rule", "add", "pref", "50", "lookup", "100");
    await until(
      "the new rule",
      () => changes.includes(w.current().rules.length) && w.current().rules.some((r) => r.priority === 50),
    );
    // The 2000 main-table routes were dropped in the kernel; table 100's one route and the rule
    // arrive (with the link notifications the route changes cause, there may be a few more).
    expect(w.stats().notifications).toBeLessThan(20);
    expect(w.stats().fullSyncs).toBe(1);
  });

  it("repairs notifications the kernel had to drop with a resync, and counts it", async () => {
    const ip = await namespace("c");
    // The smallest buffer the kernel allows overflows at once under a burst of rules.
    const w = await watch(nameOf("c"), { receiveBufferBytes: 1 });
    const lines = Array.from(
      { length: 3000 },
      (_, i) => `rule add pref ${1000 + i} from 10.${i >> 8}.${i & 255}.0/24 lookup ${100 + i}`,
    );
    await execa("ip", ["-n", nameOf("c"), "-batch", "-"], { input: lines.join("\n") });
    const kernel = JSON.parse(await ip("-j", "-4", "rule", "show")) as unknown[];
    await until(
      "the resync",
      () => w.stats().overflows > 0 && w.current().rules.filter((r) => r.family === "ipv4").length === kernel.length,
    );
    expect(w.stats().fullSyncs).toBeGreaterThan(1);
  });
});
