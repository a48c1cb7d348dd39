/**
 * BpfMap and BpfProgram.testRun on this host's kernel: exact per-CPU counts after test runs,
 * the scrape path's sums, hash map I/O, pinning and map sharing between objects.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BpfObject, loadNative, mapUpdate } from "../../agent/native.js";
import { tcActUnspec } from "../support/bpftool.js";
import { udp4Frame } from "../support/frames.js";
import {
  bpfErrorOf,
  counterTotals,
  fixtureObject,
  pinnedObject,
  possibleCpus,
  u32,
  u64s,
} from "../support/native-fixture.js";
import { skbContext } from "../support/skb.js";

const addon = loadNative();
const lo = 1;

describe("maps and test runs", () => {
  const opened: BpfObject[] = [];
  const load = (configure?: (object: BpfObject) => void, path = fixtureObject, options?: { pinRoot: string }) => {
    const object = new addon.BpfObject(path, options);
    opened.push(object);
    configure?.(object);
    object.load();
    return object;
  };
  afterEach(() => {
    for (const object of opened.splice(0)) object.close();
  });

  // Each repetition is a full program run with its map updates, so repeat counts runs.
  it("counts exactly `repeat` runs of a frame, per-CPU slots summed", () => {
    const object = load();
    const frame = udp4Frame();
    const result = object.program("count_packets").testRun({ data: frame, repeat: 1000 });
    expect(result.retval).toBe(tcActUnspec);
    expect(result.dataOut).toEqual(frame);
    expect(result.ctxOut).toBeUndefined();
    expect(result.durationNs).toBeGreaterThan(0);
    // No context: the kernel leaves ingress_ifindex 0, so everything lands in slot 0.
    expect(object.map("counters").sumU64(u32(0))).toEqual(new BigUint64Array([1000n, BigInt(1000 * frame.length)]));
  });

  it("passes an __sk_buff context in and out", () => {
    const object = load();
    const frame = udp4Frame(10);
    const ctx = skbContext({ ifindex: lo, ingressIfindex: 13 });
    const result = object.program("count_packets").testRun({ data: frame, ctx, repeat: 3 });
    expect(result.ctxOut).toHaveLength(ctx.length);
    expect(result.ctxOut?.readUInt32LE(40)).toBe(lo);
    const counters = object.map("counters");
    expect(counters.sumU64(u32(13 % 8))).toEqual(new BigUint64Array([3n, BigInt(3 * frame.length)]));
    expect(counterTotals(counters.sumAllU64())).toEqual({ a: 3n, b: BigInt(3 * frame.length) });
  });

  it("fails a test run whose context names a missing device with ENODEV", () => {
    const object = load();
    const ctx = skbContext({ ifindex: 0x7fff_fff0, ingressIfindex: 0 });
    expect(bpfErrorOf(() => object.program("count_packets").testRun({ data: udp4Frame(), ctx }))).toMatchObject({
      op: "test run",
      code: "ENODEV",
      errno: 19,
    });
  });

  it("returns every possible CPU's slot from a per-CPU lookup, and sumU64 adds them up", () => {
    const object = load();
    const counters = object.map("counters");
    const cpus = possibleCpus();
    const slots = Array.from({ length: cpus }, (_, cpu) => u64s(BigInt(cpu + 1), BigInt(100 * (cpu + 1))));
    counters.update(u32(2), Buffer.concat(slots));
    expect(counters.lookup(u32(2))).toEqual(Buffer.concat(slots));
    const triangle = BigInt((cpus * (cpus + 1)) / 2);
    expect(counters.sumU64(u32(2))).toEqual(new BigUint64Array([triangle, 100n * triangle]));
    expect(counters.sumU64(u32(8))).toBeUndefined();
  });

  it("sumAllU64 equals the per-key sums, batched or not, over 4096 entries", () => {
    const object = load((o) => o.setMaxEntries("counters", 4096));
    const counters = object.map("counters");
    const cpus = possibleCpus();
    for (let key = 0; key < 4096; key += 3) {
      const slots = Array.from({ length: cpus }, (_, cpu) => u64s(BigInt(key * 10 + cpu), BigInt(key)));
      counters.update(u32(key), Buffer.concat(slots));
    }
    const perKey = new BigUint64Array(4096 * 2);
    for (let key = 0; key < 4096; key++) perKey.set(counters.sumU64(u32(key)) ?? [], key * 2);
    expect(counters.sumAllU64()).toEqual(perKey);
    expect(counters.sumAllU64({ batch: false })).toEqual(perKey);
    const sumOfCpus = BigInt((cpus * (cpus - 1)) / 2);
    expect(perKey[3 * 2]).toBe(30n * BigInt(cpus) + sumOfCpus);
    expect(perKey[3 * 2 + 1]).toBe(3n * BigInt(cpus));
  });

  it("refuses sumAllU64 on a hash map", () => {
    const error = bpfErrorOf(() => load().map("table").sumAllU64());
    expect(error).toMatchObject({ op: "map sum all", code: "EINVAL" });
  });

  it("updates, looks up, lists and deletes hash entries", () => {
    const table = load().map("table");
    expect(table.lookup(u32(1))).toBeUndefined();
    table.update(u32(1), u64s(11n));
    table.update(u32(2), u64s(22n), mapUpdate.noExist);
    expect(table.lookup(u32(1))).toEqual(u64s(11n));
    expect(table.sumU64(u32(2))).toEqual(new BigUint64Array([22n]));
    expect(
      table
        .keys()
        .map((key) => key.readUInt32LE(0))
        .sort(),
    ).toEqual([1, 2]);
    expect(bpfErrorOf(() => table.update(u32(2), u64s(0n), mapUpdate.noExist))).toMatchObject({
      op: "map update",
      code: "EEXIST",
    });
    expect(bpfErrorOf(() => table.update(u32(3), u64s(0n), mapUpdate.exist))).toMatchObject({ code: "ENOENT" });
    expect(table.delete(u32(1))).toBe(true);
    expect(table.delete(u32(1))).toBe(false);
    expect(table.keys()).toEqual([u32(2)]);
  });

  describe("on bpffs", () => {
    let dir = "";
    beforeEach(async () => {
      dir = await mkdtemp("/sys/fs/bpf/vrf-agent-native-");
    });
    afterEach(async () => {
      for (const object of opened.splice(0)) object.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("pins LIBBPF_PIN_BY_NAME maps under pinRoot, and a second object reuses the pin", () => {
      const first = load(undefined, pinnedObject, { pinRoot: dir });
      expect(existsSync(join(dir, "shared"))).toBe(true);
      first.program("count_shared").testRun({ data: udp4Frame(), repeat: 3 });
      first.close();
      // Nothing holds the map now but its pin.
      const second = load(undefined, pinnedObject, { pinRoot: dir });
      second.program("count_shared").testRun({ data: udp4Frame(), repeat: 2 });
      expect(second.map("shared").lookup(u32(0))).toEqual(u64s(5n));
    });

    it("pins and unpins a map at a path of its own", () => {
      const table = load().map("table");
      const path = join(dir, "table");
      table.pin(path);
      expect(existsSync(path)).toBe(true);
      table.unpin(path);
      expect(existsSync(path)).toBe(false);
    });
  });

  it("reuseMap makes two objects share one map, program writes included", () => {
    const first = load();
    const second = load((o) => {
      o.reuseMap("counters", first.map("counters"));
      o.reuseMap("table", first.map("table"));
    });
    second.program("count_packets").testRun({ data: udp4Frame(), repeat: 5 });
    expect(counterTotals(first.map("counters").sumAllU64()).a).toBe(5n);
    first.map("table").update(u32(9), u64s(99n));
    expect(second.map("table").lookup(u32(9))).toEqual(u64s(99n));
    // The shared map outlives the object it came from: libbpf dup()ed the fd.
    first.close();
    expect(second.map("table").lookup(u32(9))).toEqual(u64s(99n));
  });
});
