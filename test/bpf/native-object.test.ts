/**
 * BpfObject on this host's kernel: open, configure, load and close, the errors each step gives,
 * and libbpf's log reaching JS.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type BpfObject, bpfMapType, bpfProgType, type LibbpfLogLevel, loadNative } from "../../agent/native.js";
import { udp4Frame } from "../support/frames.js";
import { bpfErrorOf, counterTotals, fixtureObject, rejectedObject, u32 } from "../support/native-fixture.js";

const addon = loadNative();

describe("BpfObject", () => {
  const opened: BpfObject[] = [];
  const open = (path = fixtureObject) => {
    const object = new addon.BpfObject(path);
    opened.push(object);
    return object;
  };
  afterEach(() => {
    for (const object of opened.splice(0)) object.close();
    addon.setLogger(null);
  });

  it("lists the fixture's maps and programs, libbpf's .rodata map included", () => {
    const object = open();
    expect(object.path).toBe(fixtureObject);
    expect(object.mapNames()).toEqual(expect.arrayContaining(["counters", "table", "frees"]));
    expect(object.mapNames().some((name) => name.endsWith(".rodata"))).toBe(true);
    expect(object.programNames()).toEqual(["count_packets", "count_frees"]);
  });

  it("describes maps and programs, with fds and ids only once loaded", () => {
    const object = open();
    const counters = object.map("counters");
    const program = object.program("count_packets");
    expect([counters.fd, program.fd, program.id]).toEqual([-1, -1, 0]);
    object.load();
    expect(object.loaded).toBe(true);
    expect(counters).toMatchObject({
      name: "counters",
      type: bpfMapType.percpuArray,
      keySize: 4,
      valueSize: 16,
      maxEntries: 8,
      perCpu: true,
    });
    expect(counters.fd).toBeGreaterThan(2);
    expect(object.map("table")).toMatchObject({ type: bpfMapType.hash, perCpu: false, valueSize: 8 });
    expect(program).toMatchObject({ name: "count_packets", type: bpfProgType.schedCls, section: "tc" });
    expect(object.program("count_frees")).toMatchObject({ type: bpfProgType.tracing, section: "tp_btf/kfree_skb" });
    expect(program.id).toBeGreaterThan(0);
  });

  // Same program, same packets; only the const volatile differs, so only it can explain a
  // different count.
  it("setConst changes what the loaded program does", () => {
    const runs = 10;
    const countWith = (multiplier?: number) => {
      const object = open();
      if (multiplier !== undefined) object.setConst("multiplier", u32(multiplier));
      object.load();
      object.program("count_packets").testRun({ data: udp4Frame(), repeat: runs });
      return counterTotals(object.map("counters").sumAllU64()).a;
    };
    expect(countWith()).toBe(BigInt(runs));
    expect(countWith(7)).toBe(BigInt(7 * runs));
  });

  it("refuses setConst for an unknown variable, a wrong size, or after load", () => {
    const object = open();
    expect(bpfErrorOf(() => object.setConst("nope", u32(1)))).toMatchObject({
      name: "BpfError",
      op: "set const",
      code: "ENOENT",
      errno: 2,
    });
    const wrongSize = bpfErrorOf(() => object.setConst("multiplier", Buffer.alloc(8)));
    expect(wrongSize).toMatchObject({ code: "EINVAL", errno: 22 });
    expect(wrongSize.message).toBe("set const: 'multiplier' is 4 bytes, got 8");
    object.load();
    expect(bpfErrorOf(() => object.setConst("multiplier", u32(2)))).toMatchObject({ code: "EBUSY" });
    expect(bpfErrorOf(() => object.setMaxEntries("counters", 16))).toMatchObject({
      op: "set max entries",
      code: "EBUSY",
    });
  });

  it("setMaxEntries resizes a map before load", () => {
    const object = open();
    object.setMaxEntries("counters", 4096);
    expect(object.map("counters").maxEntries).toBe(4096);
    object.load();
    const counters = object.map("counters");
    expect(counters.maxEntries).toBe(4096);
    expect(counters.sumAllU64()).toHaveLength(4096 * 2);
    expect(bpfErrorOf(() => object.map("nope"))).toMatchObject({ op: "map", code: "ENOENT" });
    expect(bpfErrorOf(() => object.program("nope"))).toMatchObject({ op: "program", code: "ENOENT" });
  });

  it("fails to open a missing file with ENOENT", () => {
    const error = bpfErrorOf(() => new addon.BpfObject("/nonexistent/object.bpf.o"));
    expect(error).toMatchObject({ name: "BpfError", op: "open", code: "ENOENT", errno: 2 });
    expect(error.message).toMatch(/^open: No such file or directory \(\/nonexistent\/object\.bpf\.o\)/);
    expect(error).toBeInstanceOf(Error);
  });

  it("quotes the verifier when it rejects a program", () => {
    const object = open(rejectedObject);
    const error = bpfErrorOf(() => object.load());
    // EACCES is the verifier's own verdict for an unsafe program; libbpf passes it through.
    expect(error).toMatchObject({ op: "load", code: "EACCES", errno: 13 });
    expect(error.message).toMatch(/^load: Permission denied \(.*rejected\.bpf\.o\)\n/);
    expect(error.message).toContain("invalid access to packet");
    expect(error.message).toContain("unchecked_read");
    expect(error.message.split("\n").length).toBeLessThanOrEqual(41);
    expect(object.loaded).toBe(false);
  });

  it("routes libbpf's messages to the logger, and survives a logger that throws", () => {
    const messages: [LibbpfLogLevel, string][] = [];
    addon.setLogger((level, message) => {
      messages.push([level, message]);
    });
    open().load();
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.some(([, message]) => message.includes("fixture"))).toBe(true);
    expect(new Set(messages.map(([level]) => level))).toContain("debug");

    const rejected = open(rejectedObject);
    messages.length = 0;
    bpfErrorOf(() => rejected.load());
    const warning = messages.find(([level, message]) => level === "warn" && message.includes("BEGIN PROG LOAD LOG"));
    expect(warning?.[1]).toContain("invalid access to packet");

    addon.setLogger(() => {
      throw new Error("broken logger");
    });
    expect(() => open().load()).not.toThrow();

    addon.setLogger(null);
    messages.length = 0;
    open().load();
    expect(messages).toEqual([]);
  });

  it("closes idempotently, closes its maps and programs, and names the closed object when used", () => {
    const object = open();
    object.load();
    const counters = object.map("counters");
    const program = object.program("count_packets");
    object.close();
    object.close();
    expect(object.closed).toBe(true);
    expect([counters.fd, program.fd]).toEqual([-1, -1]);
    const error = bpfErrorOf(() => object.map("counters"));
    expect(error).toMatchObject({ op: "map", code: "EBADF", errno: 9 });
    expect(error.message).toBe(`map: BpfObject ${fixtureObject} is closed`);
    expect(bpfErrorOf(() => object.load())).toMatchObject({ op: "load", code: "EBADF" });
    expect(bpfErrorOf(() => counters.lookup(u32(0))).message).toBe("map lookup: BpfMap 'counters' is closed");
    expect(bpfErrorOf(() => program.testRun({ data: udp4Frame() })).message).toBe(
      "test run: BpfProgram 'count_packets' is closed",
    );
    counters.close();
    program.close();
  });

  it("refuses map I/O before load", () => {
    const counters = open().map("counters");
    expect(bpfErrorOf(() => counters.lookup(u32(0)))).toMatchObject({ op: "map lookup", code: "EBADF" });
    expect(bpfErrorOf(() => counters.lookup(u32(0))).message).toContain("not loaded yet");
  });

  it("checks argument types and sizes before calling the kernel", () => {
    const object = open();
    object.load();
    const table = object.map("table");
    expect(() => table.lookup(Buffer.alloc(3))).toThrow(RangeError);
    expect(() => table.update(u32(1), Buffer.alloc(4))).toThrow(RangeError);
    // @ts-expect-error: deliberately the wrong type
    expect(() => table.lookup("key")).toThrow(TypeError);
    // @ts-expect-error: deliberately the wrong direction
    expect(() => object.program("count_packets").attachTc(1, "sideways")).toThrow(TypeError);
    // @ts-expect-error: map wrappers come from BpfObject.map()
    expect(() => object.reuseMap("table", {})).toThrow(TypeError);
  });
});
