/**
 * The native addon's test fixtures (test/bpf/programs, built into build/bpf/test) and the
 * small encoders and helpers the addon's tests share.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../agent/artifacts.js";
import { type BpfError, type BpfObject, isBpfError, loadNative } from "../../agent/native.js";
import { bpftoolListing } from "./bpftool.js";

export const fixtureObject = join(projectRoot, "build", "bpf", "test", "fixture.bpf.o");
export const rejectedObject = join(projectRoot, "build", "bpf", "test", "rejected.bpf.o");
/** Pins its map by name: load it only with a pinRoot of the test's own. */
export const pinnedObject = join(projectRoot, "build", "bpf", "test", "pinned.bpf.o");

export function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

export function u64s(...values: bigint[]): Buffer {
  const bytes = Buffer.alloc(8 * values.length);
  values.forEach((value, i) => {
    bytes.writeBigUInt64LE(value, 8 * i);
  });
  return bytes;
}

/**
 * Loads the fixture object for a test and closes whatever the test left open in closeAll(), for
 * its afterEach. Each object is kept before load() so one whose load throws is closed too.
 */
export function fixtureLoader(): { load(): BpfObject; closeAll(): void } {
  const addon = loadNative();
  const opened: BpfObject[] = [];
  return {
    load() {
      const object = new addon.BpfObject(fixtureObject);
      opened.push(object);
      object.load();
      return object;
    },
    closeAll() {
      for (const object of opened.splice(0)) object.close();
    },
  };
}

/** The ids of all BPF links on this host, ours or not: whether a link still exists is whether its id is here. */
export async function linkIds(): Promise<number[]> {
  return (await bpftoolListing<{ id: number }>("link")).map((link) => link.id);
}

/** What libbpf_num_possible_cpus() counts: per-CPU values have one slot per possible CPU. */
export function possibleCpus(): number {
  const ranges = readFileSync("/sys/devices/system/cpu/possible", "utf8").trim().split(",");
  return ranges.reduce((count, range) => {
    const [first = "0", last = first] = range.split("-");
    return count + Number(last) - Number(first) + 1;
  }, 0);
}

/** The fixture's `struct counter { u64 a; u64 b; }` totals over all entries of sumAllU64's output. */
export function counterTotals(sums: BigUint64Array): { a: bigint; b: bigint } {
  let a = 0n;
  let b = 0n;
  for (let i = 0; i + 1 < sums.length; i += 2) {
    a += sums[i] ?? 0n;
    b += sums[i + 1] ?? 0n;
  }
  return { a, b };
}

/** The BpfError `action` throws; anything else it throws, or not throwing, fails the test. */
export function bpfErrorOf(action: () => unknown): BpfError {
  try {
    action();
  } catch (error) {
    if (isBpfError(error)) return error;
    throw error;
  }
  throw new Error("expected a BpfError, nothing was thrown");
}
