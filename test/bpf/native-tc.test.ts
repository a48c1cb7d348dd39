/**
 * BpfProgram.attachTc on this host's kernel, tcx and legacy: real pings over a veth pair whose
 * far end sits in a namespace of the test's own, counted by the fixture and by the interface
 * itself; and what detaching leaves behind (nothing of ours, everything of anyone else's).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addonPath } from "../../agent/artifacts.js";
import { loadNative, type TcAttachMode, type TcLink } from "../../agent/native.js";
import { bpfErrorOf, counterTotals, fixtureLoader, fixtureObject, linkIds } from "../support/native-fixture.js";
import { type VethPair, vethPair } from "../support/veth.js";

const addon = loadNative();

const run = async (...argv: string[]) => (await execa(argv[0] ?? "", argv.slice(1))).stdout;

const filters = async (dev: string, direction: "ingress" | "egress") =>
  run("tc", "filter", "show", "dev", dev, direction);
const hasClsact = async (dev: string) => (await run("tc", "qdisc", "show", "dev", dev)).includes("clsact");

let wire: VethPair;
const { load, closeAll } = fixtureLoader();

beforeAll(async () => {
  wire = await vethPair(40);
});
afterEach(async () => {
  closeAll();
  await execa("tc", ["qdisc", "del", "dev", wire.name, "clsact"], { reject: false });
});
afterAll(async () => {
  await wire?.remove();
});

it("has tcx on this kernel (6.18), so auto means tcx", () => {
  expect(addon.tcxSupported()).toBe(true);
  const link = load().program("count_packets").attachTc(wire.ifindex, "ingress");
  expect(link.kind).toBe("tcx");
});

describe.each<[TcAttachMode, TcLink["kind"]]>([
  ["tcx", "tcx"],
  ["legacy", "legacy-tc"],
])("%s attachment", (mode, kind) => {
  it("counts exactly the packets and bytes the interface counts, in both directions", async () => {
    // One object per direction: each has its own counters, so neither can borrow the other's.
    const ingress = load();
    const egress = load();
    const links = [
      ingress.program("count_packets").attachTc(wire.ifindex, "ingress", { mode }),
      egress.program("count_packets").attachTc(wire.ifindex, "egress", { mode }),
    ];
    expect(links.map((link) => [link.kind, link.ifindex, link.direction])).toEqual([
      [kind, wire.ifindex, "ingress"],
      [kind, wire.ifindex, "egress"],
    ]);
    const before = await wire.stats();
    // -W caps ping's wait for a lost reply, so the exact counts below fail fast rather than late.
    await wire.inPeer(["ping", "-q", "-c", "10", "-i", "0.01", "-W", "2", wire.address]);
    const after = await wire.stats();
    const seenIn = counterTotals(ingress.map("counters").sumAllU64());
    const seenOut = counterTotals(egress.map("counters").sumAllU64());
    expect({ rx: seenIn, tx: seenOut }).toEqual({
      rx: { a: BigInt(after.rxPackets - before.rxPackets), b: BigInt(after.rxBytes - before.rxBytes) },
      tx: { a: BigInt(after.txPackets - before.txPackets), b: BigInt(after.txBytes - before.txBytes) },
    });
    // Requests in, replies out, and nothing else on the wire.
    expect([seenIn.a, seenOut.a]).toEqual([10n, 10n]);
    for (const link of links) link.close();
  });

  it("leaves no filter, link or qdisc of its own behind after close", async () => {
    const program = load().program("count_packets");
    const links = [
      program.attachTc(wire.ifindex, "ingress", { mode }),
      program.attachTc(wire.ifindex, "egress", { mode }),
    ];
    if (mode === "legacy") {
      expect(await filters(wire.name, "ingress")).toContain("count_packets");
      expect(await hasClsact(wire.name)).toBe(true);
    } else {
      const ids = links.map((link) => (link.kind === "tcx" ? link.id : 0));
      expect(await linkIds()).toEqual(expect.arrayContaining(ids));
    }
    for (const link of links) link.close();
    for (const link of links) link.close();
    expect(links.map((link) => link.closed)).toEqual([true, true]);
    expect(await filters(wire.name, "ingress")).toBe("");
    expect(await filters(wire.name, "egress")).toBe("");
    expect(await hasClsact(wire.name)).toBe(false);
    for (const link of links) {
      if (link.kind === "tcx") expect(await linkIds()).not.toContain(link.id);
    }
  });

  it("never removes a clsact qdisc that existed before it", async () => {
    await run("tc", "qdisc", "add", "dev", wire.name, "clsact");
    const link = load().program("count_packets").attachTc(wire.ifindex, "ingress", { mode });
    link.close();
    expect(await hasClsact(wire.name)).toBe(true);
    expect(await filters(wire.name, "ingress")).toBe("");
  });

  it("fails on a device that does not exist with ENODEV", () => {
    const program = load().program("count_packets");
    const error = bpfErrorOf(() => program.attachTc(0x7fff_fff0, "ingress", { mode }));
    expect(error).toMatchObject({
      name: "BpfError",
      op: mode === "tcx" ? "attach tcx" : "attach legacy tc",
      code: "ENODEV",
      errno: 19,
    });
    expect(error.message).toContain("ifindex 2147483632 ingress, program 'count_packets'");
  });

  it("detaches when its object closes", async () => {
    const object = load();
    const link = object.program("count_packets").attachTc(wire.ifindex, "egress", { mode });
    object.close();
    expect(link.closed).toBe(true);
    expect(await filters(wire.name, "egress")).toBe("");
    if (link.kind === "tcx") expect(await linkIds()).not.toContain(link.id);
  });
});

describe("legacy clsact ownership", () => {
  it("keeps the qdisc it created while another of its filters remains, removes it after the last", async () => {
    const program = load().program("count_packets");
    const creator = program.attachTc(wire.ifindex, "ingress", { mode: "legacy" });
    const sharer = program.attachTc(wire.ifindex, "egress", { mode: "legacy" });
    creator.close();
    expect(await hasClsact(wire.name)).toBe(true);
    expect(await filters(wire.name, "egress")).toContain("count_packets");
    sharer.close();
    expect(await hasClsact(wire.name)).toBe(false);
  });

  it("keeps the qdisc it created when someone else's filter joined it", async () => {
    const link = load().program("count_packets").attachTc(wire.ifindex, "ingress", { mode: "legacy" });
    const pin = await mkdtemp("/sys/fs/bpf/vrf-agent-native-");
    try {
      // A foreign filter: the same program, attached by tc itself from a pin.
      const program = load().program("count_packets");
      await run("bpftool", "prog", "pin", "id", String(program.id), join(pin, "prog"));
      await run("tc", "filter", "add", "dev", wire.name, "egress", "bpf", "da", "pinned", join(pin, "prog"));
      link.close();
      expect(await hasClsact(wire.name)).toBe(true);
      expect(await filters(wire.name, "egress")).toContain("count_packets");
    } finally {
      await rm(pin, { recursive: true, force: true });
    }
  });

  it("puts the filter at the priority asked for, or the one the kernel picks", () => {
    const program = load().program("count_packets");
    const chosen = program.attachTc(wire.ifindex, "ingress", { mode: "legacy", priority: 7 });
    const picked = program.attachTc(wire.ifindex, "ingress", { mode: "legacy" });
    expect(chosen.kind === "legacy-tc" && chosen.priority).toBe(7);
    expect(picked.kind === "legacy-tc" && picked.priority).toBeGreaterThan(0);
    expect(picked.kind === "legacy-tc" && picked.handle).toBeGreaterThan(0);
  });
});

describe("tcx link pins", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp("/sys/fs/bpf/vrf-agent-native-");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keep the attachment past close until the pin is removed", async () => {
    const link = load().program("count_packets").attachTc(wire.ifindex, "ingress", { mode: "tcx" });
    if (link.kind !== "tcx") throw new Error(`expected a tcx link, got ${link.kind}`);
    link.pin(join(dir, "link"));
    link.close();
    expect(await linkIds()).toContain(link.id);
    await rm(join(dir, "link"));
    // Dropping the last reference through bpffs frees the link from a workqueue.
    await expect.poll(linkIds, { timeout: 2000, interval: 50 }).not.toContain(link.id);
  });

  it("are refused for legacy filters, which are not links", () => {
    const link = load().program("count_packets").attachTc(wire.ifindex, "ingress", { mode: "legacy" });
    // @ts-expect-error: legacy links have no pin() in the types either
    expect(bpfErrorOf(() => link.pin(join(dir, "legacy")))).toMatchObject({ op: "link pin", code: "EOPNOTSUPP" });
    link.close();
  });
});

describe("environment teardown", () => {
  // A worker thread is a Node environment of its own: its own addon state, and a cleanup hook
  // that must detach what the worker left attached when the worker ends.
  it("detaches what a worker thread left attached when the worker ends", async () => {
    const worker = new Worker(
      `
      const { parentPort, workerData } = require("node:worker_threads");
      const addon = require(workerData.addonPath);
      const object = new addon.BpfObject(workerData.fixtureObject);
      object.load();
      globalThis.kept = object.program("count_packets").attachTc(workerData.ifindex, "ingress", { mode: "legacy" });
      parentPort.postMessage(globalThis.kept.kind);
      // Listening keeps the worker alive until terminate(), the teardown under test.
      parentPort.on("message", () => {});
      `,
      { eval: true, workerData: { addonPath, fixtureObject, ifindex: wire.ifindex } },
    );
    const kind = await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    expect(kind).toBe("legacy-tc");
    expect(await filters(wire.name, "ingress")).toContain("count_packets");
    await worker.terminate();
    expect(await filters(wire.name, "ingress")).toBe("");
    expect(await hasClsact(wire.name)).toBe(false);
  });
});
