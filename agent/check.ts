/**
 * `vrf-agent check`: what works on this machine and what will not, each found out by trying it
 * (a VRF in a throwaway namespace, each BPF object loaded into a throwaway pin folder), never by
 * guessing from version numbers.
 */
import { randomUUID } from "node:crypto";
import { access, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { explainLoadFailure, hookFamilies } from "./datapath/datapath.js";
import type { NativeAddon } from "./native.js";
import { projectRoot } from "./project-root.js";

export type Verdict = "ok" | "degraded" | "fail";

export interface CheckResult {
  name: string;
  verdict: Verdict;
  detail: string;
}

/** Capabilities the agent uses, as bit numbers of /proc/self/status' CapEff. */
const capabilities = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 } as const;

async function privileges(): Promise<CheckResult> {
  const status = await readFile("/proc/self/status", "utf8");
  const effective = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? "0"}`);
  const has = (bit: number) => (effective >> BigInt(bit)) & 1n;
  // CAP_SYS_ADMIN covers BPF and PERFMON on kernels before they existed.
  const missing = ["CAP_BPF", "CAP_NET_ADMIN", "CAP_PERFMON"].filter(
    (name) => !has(capabilities[name as keyof typeof capabilities]) && !has(capabilities.CAP_SYS_ADMIN),
  );
  return missing.length === 0
    ? { name: "privileges", verdict: "ok", detail: "CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON are effective" }
    : { name: "privileges", verdict: "fail", detail: `missing ${missing.join(", ")}: run as root (sudo vrf-agent)` };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function btf(): Promise<CheckResult> {
  return (await exists("/sys/kernel/btf/vmlinux"))
    ? { name: "kernel BTF", verdict: "ok", detail: "/sys/kernel/btf/vmlinux is there" }
    : {
        name: "kernel BTF",
        verdict: "fail",
        detail: "no /sys/kernel/btf/vmlinux: the kernel needs CONFIG_DEBUG_INFO_BTF for the datapath",
      };
}

async function bpffs(pinPath: string): Promise<CheckResult> {
  const mounts = await readFile("/proc/mounts", "utf8");
  const mounted = mounts.split("\n").some((line) => line.split(" ")[2] === "bpf");
  return mounted
    ? { name: "bpffs", verdict: "ok", detail: `mounted; counters are pinned under ${pinPath}` }
    : {
        name: "bpffs",
        verdict: "fail",
        detail: "no bpf filesystem mounted: mount -t bpf bpf /sys/fs/bpf (counters could not survive a restart)",
      };
}

async function iproute2(): Promise<CheckResult> {
  const ip = await execa("ip", ["-V"], { reject: false });
  if (ip.failed)
    return { name: "iproute2", verdict: "fail", detail: "ip is not installed (Debian: apt install iproute2)" };
  return { name: "iproute2", verdict: "ok", detail: ip.stdout.trim() };
}

async function vrfSupport(): Promise<CheckResult> {
  const ns = `vrf-agent-check-${randomUUID().slice(0, 8)}`;
  await execa("ip", ["netns", "add", ns], { reject: false });
  try {
    const made = await execa("ip", ["-n", ns, "link", "add", "probe", "type", "vrf", "table", "4242"], {
      reject: false,
    });
    return made.failed
      ? {
          name: "VRF support",
          verdict: "degraded",
          detail: `this kernel cannot create VRFs (${made.stderr.trim()}): nothing to observe here`,
        }
      : { name: "VRF support", verdict: "ok", detail: "a VRF could be created (in a throwaway namespace)" };
  } finally {
    await execa("ip", ["netns", "delete", ns], { reject: false });
  }
}

function tcMode(addon: NativeAddon): CheckResult {
  return addon.tcxSupported()
    ? { name: "tc attach", verdict: "ok", detail: "tcx (kernel 6.6 or later)" }
    : { name: "tc attach", verdict: "ok", detail: "legacy tc: clsact qdisc with cls_bpf filters (no tcx before 6.6)" };
}

async function hookFamily(addon: NativeAddon, family: string): Promise<CheckResult> {
  const pinRoot = `/sys/fs/bpf/vrf-agent-check-${randomUUID()}`;
  const object = new addon.BpfObject(join(projectRoot, "build", "bpf", `${family}.bpf.o`), { pinRoot });
  try {
    object.load();
    return { name: `${family} hooks`, verdict: "ok", detail: "load on this kernel" };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      name: `${family} hooks`,
      verdict: family === "traffic" ? "fail" : "degraded",
      detail: explainLoadFailure(family, message),
    };
  } finally {
    object.close();
    await rm(pinRoot, { recursive: true, force: true });
  }
}

export async function runChecks(addon: NativeAddon, pinPath: string): Promise<CheckResult[]> {
  const results = await Promise.all([privileges(), btf(), bpffs(pinPath), iproute2(), vrfSupport()]);
  // The rest needs the privileges; without them each would fail for that same reason.
  if (results[0]?.verdict === "fail") return results;
  results.push(tcMode(addon));
  for (const family of hookFamilies) results.push(await hookFamily(addon, family));
  return results;
}
