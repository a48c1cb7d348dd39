/**
 * The capabilities the agent and its commands need, read from the kernel's view of this process
 * (CapEff in /proc/self/status), never guessed from the uid.
 */
import { readFile } from "node:fs/promises";

/**
 * Bit numbers in CapEff (include/uapi/linux/capability.h): those the agent and its commands use,
 * and CAP_DAC_READ_SEARCH, which the systemd unit's user needs to pass a bpffs mounted 0700.
 */
export const capabilityBits = {
  CAP_DAC_READ_SEARCH: 2,
  CAP_NET_ADMIN: 12,
  CAP_SYS_ADMIN: 21,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
} as const;
export type Capability = keyof typeof capabilityBits;

/** What the daemon cannot run without, and what each is for (the systemd unit grants these, and CAP_DAC_READ_SEARCH for the pin folder: debian/vrf-agent.service). */
const daemonNeeds = {
  CAP_BPF: "load its BPF programs and maps",
  CAP_NET_ADMIN: "attach the tc hooks",
  CAP_PERFMON: "attach the drop and unreachable tracing hooks",
} as const satisfies Partial<Record<Capability, string>>;
export const daemonCapabilities = Object.keys(daemonNeeds) as (keyof typeof daemonNeeds)[];

/** One phrase naming each capability the daemon lacks, what it is for, and how to grant it. */
export function missingForDaemon(missing: readonly (keyof typeof daemonNeeds)[]): string {
  const named = missing.map((name) => `${name} (to ${daemonNeeds[name]})`).join(", ");
  return `missing ${named}: run it as root, or give its user these capabilities (AmbientCapabilities= in a systemd unit)`;
}

/** Those of `wanted` this process does not have; CAP_SYS_ADMIN stands in for BPF and PERFMON, as on kernels before them. */
export async function missingCapabilities<C extends Capability>(wanted: readonly C[]): Promise<C[]> {
  const status = await readFile("/proc/self/status", "utf8");
  const effective = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? "0"}`);
  const has = (name: Capability) => ((effective >> BigInt(capabilityBits[name])) & 1n) === 1n;
  const covered = (name: Capability) => (name === "CAP_BPF" || name === "CAP_PERFMON") && has("CAP_SYS_ADMIN");
  return wanted.filter((name) => !has(name) && !covered(name));
}
