/**
 * The capabilities the agent and its commands need, read from the kernel's view of this process
 * (CapEff in /proc/self/status), never guessed from the uid.
 */
import { readFile } from "node:fs/promises";

/** Bit numbers in CapEff (include/uapi/linux/capability.h). */
const bits = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 } as const;
export type Capability = keyof typeof bits;

/** Those of `wanted` this process does not have; CAP_SYS_ADMIN stands in for BPF and PERFMON, as on kernels before them. */
export async function missingCapabilities(wanted: readonly Capability[]): Promise<Capability[]> {
  const status = await readFile("/proc/self/status", "utf8");
  const effective = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? "0"}`);
  const has = (name: Capability) => ((effective >> BigInt(bits[name])) & 1n) === 1n;
  const covered = (name: Capability) => (name === "CAP_BPF" || name === "CAP_PERFMON") && has("CAP_SYS_ADMIN");
  return wanted.filter((name) => !has(name) && !covered(name));
}
