/** Loads the C++ addon in native/, which is the agent's only way into libbpf. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { addonPath } from "./artifacts.js";
import type { KernelView, Vrf } from "./inventory/types.js";
import { OperatorError } from "./operator-error.js";

export type LibbpfLogLevel = "warn" | "info" | "debug";

/**
 * Receives libbpf's own messages (trailing newline removed; a verifier log arrives as one
 * multi-line message). Called synchronously from inside the addon call that made libbpf speak;
 * whatever it throws is swallowed, so a broken logger never fails a BPF operation.
 */
export type LibbpfLogger = (level: LibbpfLogLevel, message: string) => void;

/**
 * The one error type the addon throws for kernel and libbpf failures (argument mistakes are
 * TypeError or RangeError). The message is `"<op>: <strerror> (<context>)"`; a failed `load()`
 * appends the last 40 lines libbpf printed, the verifier's reasoning among them.
 */
export interface BpfError extends Error {
  name: "BpfError";
  /** What failed, for example "load", "attach tcx", "map update". */
  op: string;
  /** Positive errno, as the kernel or libbpf reported it. */
  errno: number;
  /** Symbolic errno: "ENOENT", "ENOTSUPP" (kernel-internal 524), "LIBBPF_ERRNO__FORMAT". */
  code: string;
}

export function isBpfError(error: unknown): error is BpfError {
  return error instanceof Error && error.name === "BpfError";
}

/** `BPF_MAP_TYPE_*` numbers, as `BpfMap.type` reports them (include/uapi/linux/bpf.h). */
export const bpfMapType = {
  hash: 1,
  array: 2,
  percpuHash: 5,
  percpuArray: 6,
  lruHash: 9,
  lruPercpuHash: 10,
  ringbuf: 27,
} as const;

/** `BPF_PROG_TYPE_*` numbers, as `BpfProgram.type` reports them. */
export const bpfProgType = { schedCls: 3, tracing: 26 } as const;

/** Flags for `BpfMap.update`. */
export const mapUpdate = { any: 0, noExist: 1, exist: 2 } as const;

export interface BpfObjectOptions {
  /**
   * bpffs folder for maps declared `__uint(pinning, LIBBPF_PIN_BY_NAME)`: at load each is
   * reused from `<pinRoot>/<map name>` if pinned there (and compatible), otherwise created and
   * pinned there. Closing the object never unpins.
   */
  pinRoot?: string;
  /** false: no map is pinned or reused from bpffs (a trial load that leaves nothing behind). */
  pin?: boolean;
}

/**
 * One BPF ELF object: open (constructor), configure, `load()`, then take maps and programs.
 * Maps, programs and links borrow from it: closing it closes them, links first (detaching).
 */
export interface BpfObject {
  readonly path: string;
  readonly loaded: boolean;
  readonly closed: boolean;
  /** Before load: sets a `const volatile` global; `value` must be exactly the variable's size. */
  setConst(name: string, value: Uint8Array): void;
  /** Before load. */
  setMaxEntries(mapName: string, maxEntries: number): void;
  /** Before load: this object's map becomes `other` (same kernel map, shared contents). */
  reuseMap(mapName: string, other: BpfMap): void;
  /** Throws a BpfError quoting the verifier when a program is rejected. */
  load(): void;
  /** A new wrapper on each call; usable for configuration before load, for I/O after. */
  map(name: string): BpfMap;
  program(name: string): BpfProgram;
  /** Including libbpf's internal maps, such as `<object>.rodata`. */
  mapNames(): string[];
  /** The maps pinned at load (`<pinRoot>/<name>`): what this object leaves on bpffs. */
  pinnedMapNames(): string[];
  /**
   * Before load: the maps whose pin exists but has another shape (type, key or value size,
   * max_entries, flags), which load() would refuse to reuse.
   */
  pinConflicts(): string[];
  programNames(): string[];
  /** Idempotent; also runs when the object is garbage-collected or the environment ends. */
  close(): void;
}

/**
 * A map of a BpfObject. Keys and values are raw bytes in the kernel's layout. For per-CPU maps
 * a value is one slot per possible CPU, each slot `valueSize` rounded up to 8 bytes.
 */
export interface BpfMap {
  readonly name: string;
  /** A `BPF_MAP_TYPE_*` number, see `bpfMapType`. */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  /** Live until load (setMaxEntries changes it). */
  readonly maxEntries: number;
  readonly perCpu: boolean;
  /** -1 before load and after close. */
  readonly fd: number;
  /** The full value (all CPUs' slots for per-CPU maps), or undefined when the key is absent. */
  lookup(key: Uint8Array): Buffer | undefined;
  /** `value` must be the full value size; `flags` from `mapUpdate`, default `any`. */
  update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  /** False when the key was absent. */
  delete(key: Uint8Array): boolean;
  /** Every key, in the kernel's iteration order. */
  keys(): Buffer[];
  /** The value as u64s, summed element-wise over CPUs for per-CPU maps; undefined when absent. */
  sumU64(key: Uint8Array): BigUint64Array | undefined;
  /**
   * ARRAY and PERCPU_ARRAY maps: every entry's `sumU64`, laid out entry after entry
   * (`maxEntries * valueSize / 8` u64s) in one call. Uses BPF_MAP_LOOKUP_BATCH, falling back to
   * per-key lookups where the kernel refuses batches; `batch: false` forces the fallback.
   */
  sumAllU64(options?: { batch?: boolean }): BigUint64Array;
  pin(path: string): void;
  unpin(path: string): void;
  /** Releases this wrapper only; the map lives as long as its object (or its pins). */
  close(): void;
}

export interface TestRunOptions {
  /** The packet, from the Ethernet header for tc programs. */
  data: Uint8Array;
  /**
   * A raw context, for tc programs a `struct __sk_buff`. The kernel accepts only some fields
   * non-zero; `ifindex` must name an existing device (1 = lo), `ingress_ifindex` may be anything.
   */
  ctx?: Uint8Array;
  /** Runs, default 1; each run executes the program, map side effects included. */
  repeat?: number;
}

export interface TestRunResult {
  /** The program's return value as the kernel reports it: unsigned (TC_ACT_UNSPEC = 0xffffffff). */
  retval: number;
  /** Average nanoseconds per run. */
  durationNs: number;
  /** The packet after the program (up to 4096 bytes longer than `data`). */
  dataOut: Buffer;
  /** The context after the program, when `ctx` was given. */
  ctxOut?: Buffer;
}

export type TcDirection = "ingress" | "egress";

/** "auto": tcx where the kernel has it (6.6+), legacy clsact + cls_bpf otherwise. */
export type TcAttachMode = "auto" | "tcx" | "legacy";

export interface TcAttachOptions {
  mode?: TcAttachMode;
  /**
   * Legacy only: the cls_bpf filter priority (1..65535); 0 or absent lets the kernel choose.
   * tcx has no priorities: the program goes to the head of the device's list.
   */
  priority?: number;
}

export interface BpfProgram {
  readonly name: string;
  /** A `BPF_PROG_TYPE_*` number, see `bpfProgType`. */
  readonly type: number;
  /** The ELF section, for example "tc" or "tp_btf/kfree_skb". */
  readonly section: string;
  /** -1 before load and after close. */
  readonly fd: number;
  /** The kernel's program id (as bpftool shows it); 0 before load and after close. */
  readonly id: number;
  /** BPF_PROG_TEST_RUN. */
  testRun(options: TestRunOptions): TestRunResult;
  /**
   * Attaches a SEC("tc") program. In legacy mode a clsact qdisc is created when missing and
   * removed again on detach only if this process created it and no filters are left on it.
   */
  attachTc(ifindex: number, direction: TcDirection, options?: TcAttachOptions): TcLink;
  /** bpf_program__attach: tp_btf, fentry, raw_tp and the other section-driven kinds. */
  attachTracing(): TracingLink;
  /** Releases this wrapper only; the program lives as long as its object. */
  close(): void;
}

interface BpfLinkBase {
  readonly closed: boolean;
  /**
   * Detaches; idempotent. Also runs when the link is garbage-collected, so keep a reference
   * for as long as the attachment should last. A pinned link stays attached until unpinned.
   */
  close(): void;
}

export interface TcxLink extends BpfLinkBase {
  readonly kind: "tcx";
  readonly ifindex: number;
  readonly direction: TcDirection;
  /** The kernel's link id (`bpftool link show`). */
  readonly id: number;
  pin(path: string): void;
}

/** A cls_bpf filter on clsact: no kernel link object, so nothing to pin. */
export interface LegacyTcLink extends BpfLinkBase {
  readonly kind: "legacy-tc";
  readonly ifindex: number;
  readonly direction: TcDirection;
  /** The filter's handle and priority (`tc filter show` pref), as the kernel assigned them. */
  readonly handle: number;
  readonly priority: number;
}

export interface TracingLink extends BpfLinkBase {
  readonly kind: "tracing";
  readonly id: number;
  pin(path: string): void;
}

export type TcLink = TcxLink | LegacyTcLink;
export type BpfLink = TcLink | TracingLink;

/** How an inventory watch's thread is doing (InventoryWatch.stats). */
export interface InventoryWatchStats {
  /** Full dumps made: the first, and each resync. */
  fullSyncs: number;
  /** Resyncs because the kernel dropped notifications (ENOBUFS: the receive buffer was full). */
  overflows: number;
  /** Periodic consistency checks that found the kept state out of step with a fresh dump. */
  drifts: number;
  /** rtnetlink notifications read, of every table (the kernel drops main's and local's routes first). */
  notifications: number;
  /** Dumps that failed; each is retried by a full resync. */
  errors: number;
  /** How long the last full dump took. */
  lastSyncMs: number;
}

export type InventoryWatchEvent = "ready" | "changed" | "error";

export interface InventoryWatchOptions {
  /** A network namespace file (`/run/netns/NAME`) the watch's thread enters; absent: the agent's own. */
  netnsPath?: string;
  /** The notification socket's receive buffer (default 16 MiB). */
  receiveBufferBytes?: number;
  /**
   * From the watch's thread, on the JS thread: "ready" once after the first dump, "changed" once
   * per snapshot() taken (so at most one is pending), "error" with what failed and a positive
   * errno. An error before "ready" ends the watch.
   */
  onEvent(event: InventoryWatchEvent, doing: string, errno: number): void;
}

/**
 * A snapshot of a watch: every VRF's ifindex in order, and in full only the VRFs changed since
 * the snapshot of generation `since` (all of them for 0). Rules and sysctls come whole.
 */
export interface InventorySnapshot extends Omit<KernelView, "vrfs"> {
  /** Pass it to the next snapshot() to get only what changed after this one. */
  generation: number;
  order: Int32Array;
  changed: Vrf[];
}

/** One namespace's VRFs, rules and l3mdev sysctls as rtnetlink reports them, kept by a thread. */
export interface NativeInventoryWatch {
  snapshot(since?: number): InventorySnapshot;
  stats(): InventoryWatchStats;
  /** Ends the thread and closes its sockets; idempotent. */
  stop(): void;
}

export interface NativeAddon {
  /** "MAJOR.MINOR" of the libbpf shared object the addon is linked against. */
  libbpfVersion(): string;
  /** Whether this kernel has tcx (Linux 6.6+); probed once per thread without attaching anything. */
  tcxSupported(): boolean;
  /** Routes libbpf's messages to `logger`; null drops them (failed loads still quote them). */
  setLogger(logger: LibbpfLogger | null): void;
  /**
   * Enums of the running kernel's BTF whose name contains `nameContains`, keyed by enum name,
   * members in declaration order.
   */
  btfEnums(nameContains: string): Record<string, [name: string, value: number][]>;
  /** Mounts a bpf file system at `path` (mode 0700); needs CAP_SYS_ADMIN. */
  mountBpffs(path: string): void;
  /**
   * A TCP socket listening on `host:port` ("" for every address of both families) and bound to
   * `device` (SO_BINDTODEVICE: a VRF device takes only connections routed through that VRF); its
   * fd is for Node's `server.listen({ fd })`, which then owns it.
   */
  listenOnDevice(host: string, port: number, device: string): number;
  /** flock(fd, LOCK_EX | LOCK_NB): false when another process holds the lock. */
  tryLock(fd: number): boolean;
  BpfObject: new (path: string, options?: BpfObjectOptions) => BpfObject;
  InventoryWatch: new (options: InventoryWatchOptions) => NativeInventoryWatch;
}

const addonFunctions = [
  "libbpfVersion",
  "tcxSupported",
  "setLogger",
  "btfEnums",
  "mountBpffs",
  "listenOnDevice",
  "tryLock",
  "BpfObject",
  "InventoryWatch",
] as const;

function isNativeAddon(value: unknown): value is NativeAddon {
  if (typeof value !== "object" || value === null) return false;
  const exports = value as Record<string, unknown>;
  return addonFunctions.every((name) => typeof exports[name] === "function");
}

export function loadNative(): NativeAddon {
  // Checked up front so a missing build gets an actionable message, not
  // require()'s generic "Cannot find module".
  if (!existsSync(addonPath)) {
    throw new OperatorError(`the native addon is not built: run npm run build (missing ${addonPath})`);
  }
  const addon: unknown = createRequire(import.meta.url)(addonPath);
  // A stale .node from an older build could lack newer exports.
  if (!isNativeAddon(addon)) {
    throw new OperatorError(`the native addon at ${addonPath} is from another version: run npm run build`);
  }
  return addon;
}
