/**
 * `vrf-agent check`: what works on this machine and what will not, each found out by trying it
 * (a VRF in a throwaway namespace, each BPF object loaded without pins), never by
 * guessing from version numbers.
 */
import { randomUUID } from "node:crypto";
import { access, mkdir, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { bpfObjectPath } from "./artifacts.js";
import { daemonCapabilities, missingCapabilities, missingForDaemon } from "./capabilities.js";
import { loadAgentConfig } from "./config/agent-config.js";
import { loadWebConfig } from "./config/web-config.js";
import { explainLoadFailure, hookFamilies } from "./datapath/datapath.js";
import type { NativeAddon } from "./native.js";
import { oneLine } from "./operator-error.js";
import { bpffsMountPoint, nearestExisting, onBpffs, pinPathProblem } from "./pin-root.js";

export type Verdict = "ok" | "degraded" | "fail";

export interface CheckResult {
  name: string;
  verdict: Verdict;
  detail: string;
}

async function privileges(): Promise<CheckResult> {
  const missing = await missingCapabilities(daemonCapabilities);
  return missing.length === 0
    ? { name: "privileges", verdict: "ok", detail: `${daemonCapabilities.join(", ")} are effective` }
    : { name: "privileges", verdict: "fail", detail: missingForDaemon(missing) };
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
  const name = "bpffs";
  const problem = await pinPathProblem(pinPath).catch((error: unknown) => oneLine(error).message);
  if (problem !== undefined) return { name, verdict: "fail", detail: `--bpf.pin-path ${pinPath}: ${problem}` };
  if (!(await onBpffs(await nearestExisting(pinPath)))) {
    return (await missingCapabilities(["CAP_SYS_ADMIN"])).length === 0
      ? { name, verdict: "ok", detail: `not mounted at ${bpffsMountPoint}: the agent mounts it when it starts` }
      : {
          name,
          verdict: "fail",
          detail: `not mounted at ${bpffsMountPoint}, and mounting it needs CAP_SYS_ADMIN: mount -t bpf bpf ${bpffsMountPoint}`,
        };
  }
  // Tried, not asked with access(2): that judges by the real uid and ignores ambient capabilities,
  // the way the systemd unit's user reaches a folder under a bpffs that root mounted 0700.
  const probe = join(await nearestExisting(pinPath), `vrf-agent-check-${randomUUID().slice(0, 8)}`);
  const writable = await mkdir(probe).then(
    () => rmdir(probe),
    (error: unknown) => oneLine(error).message,
  );
  return writable === undefined
    ? { name, verdict: "ok", detail: `mounted; counters are pinned under ${pinPath}` }
    : { name, verdict: "fail", detail: `mounted, but the pins cannot be made under ${pinPath}: ${writable}` };
}

async function iproute2(): Promise<CheckResult> {
  const ip = await execa("ip", ["-V"], { reject: false });
  if (ip.failed)
    return { name: "iproute2", verdict: "fail", detail: "ip is not installed (Debian: apt install iproute2)" };
  return { name: "iproute2", verdict: "ok", detail: ip.stdout.trim() };
}

async function vrfSupport(): Promise<CheckResult> {
  const ns = `vrf-agent-check-${randomUUID().slice(0, 8)}`;
  const space = await execa("ip", ["netns", "add", ns], { reject: false });
  if (space.failed) {
    // Without a namespace of its own the probe would touch the host's; nothing is known then.
    return {
      name: "VRF support",
      verdict: "degraded",
      detail: `not tried: no throwaway namespace could be made (${space.stderr.trim()}; that needs CAP_SYS_ADMIN)`,
    };
  }
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
  const file = bpfObjectPath(family);
  if (!(await exists(file)))
    return { name: `${family} hooks`, verdict: "fail", detail: `${file} is missing: run npm run build` };
  // Loaded without pins: the trial needs no bpffs and leaves nothing there.
  const object = new addon.BpfObject(file, { pin: false });
  try {
    object.load();
    return { name: `${family} hooks`, verdict: "ok", detail: "load on this kernel" };
  } catch (error) {
    return {
      name: `${family} hooks`,
      verdict: family === "traffic" ? "fail" : "degraded",
      detail: explainLoadFailure(family, oneLine(error).message),
    };
  } finally {
    object.close();
  }
}

export interface ConfigFiles {
  configFile?: string;
  webConfigFile?: string;
}

/**
 * The config files, read exactly as the daemon reads them at start and on SIGHUP: a file that
 * passes here starts (or reloads) the agent; one that fails says what the daemon would say.
 */
export async function checkConfigs(files: ConfigFiles): Promise<CheckResult[]> {
  /** `load` answers the file's notes: settings accepted but not honoured, or unsafe. */
  const check = async (name: string, file: string, load: (file: string) => Promise<string[]>) => {
    try {
      const notes = await load(file);
      const detail = [`${file} is valid`, ...notes].join("; ");
      return { name, verdict: notes.length > 0 ? "degraded" : "ok", detail } satisfies CheckResult;
    } catch (error) {
      return { name, verdict: "fail", detail: oneLine(error).message } satisfies CheckResult;
    }
  };
  return Promise.all([
    ...(files.configFile
      ? [check("agent config", files.configFile, (file) => loadAgentConfig(file).then(() => []))]
      : []),
    ...(files.webConfigFile
      ? [check("web config", files.webConfigFile, (file) => loadWebConfig(file).then((web) => web.notes))]
      : []),
  ]);
}

export async function runChecks(addon: NativeAddon, pinPath: string): Promise<CheckResult[]> {
  const results = await Promise.all([privileges(), btf(), bpffs(pinPath), iproute2(), vrfSupport()]);
  // The rest needs the privileges; without them each would fail for that same reason.
  if (results[0]?.verdict === "fail") return results;
  results.push(tcMode(addon));
  for (const family of hookFamilies) results.push(await hookFamily(addon, family));
  return results;
}
