/**
 * Loads a BPF object with bpftool and runs its program through BPF_PROG_TEST_RUN, on whichever
 * kernel `run` reaches: this host's (execa) or the lab guest's (Lab.run). The native addon's
 * own testRun arrives with the datapath; until then bpftool is the kernel's front door.
 */
import { randomUUID } from "node:crypto";
import { execa } from "execa";

export type Run = (argv: string[]) => Promise<string>;

export interface TestRunResult {
  /** The program's return value, as the kernel reports it: an unsigned 32-bit number. */
  retval: number;
  /** Average ns per run over the repeat count. */
  durationNs: number;
}

/** Pins the object's first program under bpffs, runs it on `frameFile`, and unpins it again. */
export async function testRunObject(run: Run, object: string, frameFile: string, repeat = 1): Promise<TestRunResult> {
  const pin = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
  await run(["bpftool", "prog", "load", object, pin]);
  try {
    const stdout = await run([
      "bpftool",
      "-j",
      "prog",
      "run",
      "pinned",
      pin,
      "data_in",
      frameFile,
      "repeat",
      String(repeat),
    ]);
    const { retval, duration } = JSON.parse(stdout) as { retval: number; duration: number };
    return { retval, durationNs: duration };
  } finally {
    await run(["rm", "-f", pin]);
  }
}

/** TC_ACT_UNSPEC (-1) as BPF_PROG_TEST_RUN reports it. */
export const tcActUnspec = 0xffff_ffff;

/**
 * Inserts keys into a pinned hash map from user space, as an operator's tooling could, until the
 * kernel refuses one: how many went in, and bpftool's words for the refusal. `valueSize` is one
 * CPU's share; bpftool copies it to every CPU of a per-CPU map.
 */
export async function fillMap(
  run: Run,
  map: string,
  key: (i: number) => Uint8Array,
  valueSize: number,
): Promise<{ inserted: number; refused: string }> {
  const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0"));
  const value = hex(new Uint8Array(valueSize));
  for (let i = 0; i < 100_000; i++) {
    try {
      await run([
        "bpftool",
        "map",
        "update",
        "pinned",
        map,
        "key",
        "hex",
        ...hex(key(i)),
        "value",
        "hex",
        ...value,
        "noexist",
      ]);
    } catch (error) {
      return { inserted: i, refused: error instanceof Error ? error.message : String(error) };
    }
  }
  throw new Error(`${map} took 100000 keys without refusing one`);
}

/**
 * bpftool's JSON listing of this host's programs or links. Others' come and go meanwhile, which
 * bpftool reports as error entries (and exit 255): those are left out, the rest is the listing.
 */
export async function bpftoolListing<T extends object>(what: "prog" | "link"): Promise<T[]> {
  const { stdout } = await execa("bpftool", ["-j", what, "show"], { reject: false });
  return (JSON.parse(stdout) as (T | { error: string })[]).filter((entry): entry is T => !("error" in entry));
}
