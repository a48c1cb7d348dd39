/**
 * The pin root: the agent's folder on a bpf file system, where its counters and slots outlive the
 * process. This module alone decides whether a path may be one, mounts bpffs where a fresh machine
 * has none, and holds the lock that says "an agent is using this folder" (an flock on the folder,
 * so it ends with the process however the process ends). The daemon claims the root; `cleanup`
 * and `check` ask about it.
 */
import { constants } from "node:fs";
import { mkdir, open, readdir, stat, statfs } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import type { NativeAddon } from "./native.js";
import { OperatorError, oneLine } from "./operator-error.js";

/** Where bpffs is mounted by convention (systemd, Cilium, bpftool); the only place the agent mounts it. */
export const bpffsMountPoint = "/sys/fs/bpf";
/** BPF_FS_MAGIC in include/uapi/linux/magic.h. */
const bpfFsMagic = 0xcafe4a11;

export async function onBpffs(path: string): Promise<boolean> {
  return (await statfs(path)).type === bpfFsMagic;
}

/** The path itself if it exists, else its nearest existing parent. */
export async function nearestExisting(path: string): Promise<string> {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      await stat(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dir === "/") throw error;
    }
  }
}

/**
 * Why `path` cannot be a pin root, or undefined when it can: it must be absolute, on a bpffs (or
 * below /sys/fs/bpf, which the agent mounts), and a folder of its own there, never a mount's root,
 * which holds every other tool's pins.
 */
export async function pinPathProblem(path: string): Promise<string | undefined> {
  if (!isAbsolute(path)) return "not an absolute path";
  const resolved = resolve(path);
  const anchor = await nearestExisting(resolved);
  if (anchor === resolved) {
    const parent = dirname(resolved);
    if (parent === resolved || (await stat(parent)).dev !== (await stat(resolved)).dev) {
      return "the root of a file system, not a folder of its own";
    }
  }
  if (await onBpffs(anchor)) return undefined;
  if (resolved.startsWith(`${bpffsMountPoint}/`) && anchor === bpffsMountPoint) return undefined;
  return `not on a bpf file system (bpffs is mounted at ${bpffsMountPoint} by convention)`;
}

export interface PinRoot {
  path: string;
  /** Set when the agent mounted bpffs itself, saying where and what that means. */
  mounted?: string;
  /** Ends the claim (the lock); the folder and its pins stay. */
  release(): Promise<void>;
}

/**
 * Makes `path` the agent's pin root: mounts bpffs at /sys/fs/bpf if none is there, creates the
 * folder, and locks it, so `cleanup` and a second agent can tell it is in use.
 */
export async function claimPinRoot(addon: NativeAddon, path: string): Promise<PinRoot> {
  const problem = await pinPathProblem(path).catch((error: unknown) => `cannot look at it: ${oneLine(error).message}`);
  if (problem !== undefined) throw new OperatorError(`--bpf.pin-path ${path}: ${problem}`, 2);
  let mounted: string | undefined;
  if (!(await onBpffs(await nearestExisting(path)))) {
    try {
      addon.mountBpffs(bpffsMountPoint);
    } catch (error) {
      throw new OperatorError(
        `no bpf file system at ${bpffsMountPoint} and mounting one failed: ${oneLine(error).message} ` +
          `(mount it with \`mount -t bpf bpf ${bpffsMountPoint}\`, or give the agent CAP_SYS_ADMIN)`,
      );
    }
    // Under `ip netns exec` (which remounts /sys) this mount is the private namespace's own, and so
    // are the pins: they last as long as it does. `nsenter --net=/run/netns/NS` keeps the host's.
    mounted = `mounted bpffs at ${bpffsMountPoint}: none was there`;
  }
  await mkdir(path, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw new OperatorError(`cannot create the pin folder ${path}: ${oneLine(error).message}`);
  });
  const folder = await openFolder(path);
  if (!addon.tryLock(folder.fd)) {
    await folder.close();
    throw new OperatorError(`another vrf-agent is running with --bpf.pin-path ${path} (it holds the folder's lock)`);
  }
  return { path, ...(mounted ? { mounted } : {}), release: () => folder.close() };
}

/** Whether a running agent holds `path`; a folder that does not exist is held by nobody. */
export async function pinRootInUse(addon: NativeAddon, path: string): Promise<boolean> {
  let folder: Awaited<ReturnType<typeof openFolder>>;
  try {
    folder = await openFolder(path);
  } catch (error) {
    if (error instanceof OperatorError && (error.cause as NodeJS.ErrnoException)?.code === "ENOENT") return false;
    throw error;
  }
  try {
    return !addon.tryLock(folder.fd);
  } finally {
    await folder.close();
  }
}

async function openFolder(path: string) {
  try {
    return await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    throw new OperatorError(`cannot open the pin folder ${path}: ${oneLine(error).message}`, 1, { cause: error });
  }
}

/** The entries of the pin folder; what is gone from it is what someone removed. */
export async function pinnedNames(path: string): Promise<Set<string>> {
  return new Set(await readdir(path).catch(() => []));
}

/**
 * Checks every `everyMs` that the pins there at the start are still in the folder, and reports
 * the missing ones whenever that set changes: the agent keeps counting into maps it holds open,
 * but a restart would begin from zero.
 */
export function watchPins(path: string, everyMs: number, changed: (missing: string[]) => void): { stop(): void } {
  let expected: Set<string> | undefined;
  let reported = "";
  const check = async () => {
    const present = await pinnedNames(path);
    expected ??= present;
    const missing = [...expected].filter((name) => !present.has(name));
    if (missing.join() !== reported) {
      reported = missing.join();
      changed(missing);
    }
  };
  void check();
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
