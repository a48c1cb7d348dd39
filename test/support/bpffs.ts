/**
 * vitest globalSetup: the tiers that pin maps need a bpffs at /sys/fs/bpf, and a fresh machine has
 * none. Mounted here when missing (as root; without root those tests skip anyway), and unmounted
 * again at the end, so the run leaves the machine as it found it.
 */
import { statfs } from "node:fs/promises";
import { execa } from "execa";

const mountPoint = "/sys/fs/bpf";
const bpfFsMagic = 0xcafe4a11;

export default async function ensureBpffs(): Promise<(() => Promise<void>) | undefined> {
  if (process.geteuid?.() !== 0 || (await statfs(mountPoint)).type === bpfFsMagic) return undefined;
  await execa("mount", ["-t", "bpf", "bpf", mountPoint]);
  return async () => {
    await execa("umount", [mountPoint], { reject: false });
  };
}
