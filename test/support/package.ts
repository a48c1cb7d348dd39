/** What the package tests hold the installed package against: its files, its capability mask. */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { type Capability, capabilityBits } from "../../agent/capabilities.js";
import { version } from "../../agent/version.js";
import { packageDir } from "./service-container.js";

export const debFile = join(packageDir, `vrf-agent_${version}_amd64.deb`);
export const imageArchive = join(packageDir, `vrf-agent_${version}_image.tar`);

/** The mask /proc/PID/status shows for these capabilities. */
export function capabilityMask(names: readonly string[]): bigint {
  return names.reduce((mask, name) => {
    const bit = capabilityBits[name as Capability];
    if (bit === undefined) throw new Error(`no bit known for ${name}`);
    return mask | (1n << BigInt(bit));
  }, 0n);
}

/**
 * What the package put on the machine: every file in it, and its own folders (those named for it;
 * /usr/bin and the like belong to everyone).
 */
export async function shippedPaths(): Promise<string[]> {
  const { stdout } = await execa("dpkg-deb", ["--contents", debFile]);
  return stdout
    .split("\n")
    .map((line) => ({
      type: line[0],
      path: line
        .slice(line.indexOf("./") + 1)
        .replace(/ -> .*$/, "")
        .replace(/\/$/, ""),
    }))
    .filter(({ type, path }) => path !== "" && (type !== "d" || path.includes("vrf-agent")))
    .map(({ path }) => path);
}

/**
 * What is left of the package in a container's root: any of the paths it shipped, and any path
 * named for it that its scripts made (systemd's enablement links, dpkg's and deb-systemd-helper's
 * state, /etc/vrf-agent). Only the root file system: /run and /tmp are a boot's, and bpffs is checked apart.
 */
export async function leftovers(
  container: { run(argv: readonly string[]): Promise<{ stdout: string }> },
  shipped: readonly string[],
): Promise<string[]> {
  const named = await container.run(["find", "/", "-xdev", "-name", "*vrf-agent*"]);
  const present = await container.run([
    "sh",
    "-c",
    'for path in "$@"; do if [ -e "$path" ] || [ -L "$path" ]; then echo "$path"; fi; done',
    "sh",
    ...shipped,
  ]);
  return [...new Set([...named.stdout.split("\n"), ...present.stdout.split("\n")].filter((p) => p !== ""))].sort();
}

/** Polls `done` until it holds; past the timeout it is an error. */
export async function waitFor(done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
