/**
 * KVM or TCG: KVM only where a probe shows the lab kernel really boots under it. On these
 * Firecracker hosts /dev/kvm exists, yet a nested KVM guest aborts or hangs before the kernel.
 */

import { constants } from "node:fs";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { LabKernel } from "./kernel.js";
import { accelFile } from "./paths.js";
import type { Accel } from "./qemu.js";
import { qemuBinary } from "./qemu.js";

/** A TCG boot to stage 1 takes about 3 s here; a KVM boot that works is faster still. */
const probeTimeoutMs = 20_000;

async function kvmBoots(kernel: LabKernel, initramfs: string): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), "vrf-lab-probe-"));
  try {
    const console = join(dir, "console.log");
    await execa(
      qemuBinary,
      [
        ...["-accel", "kvm", "-cpu", "host", "-m", "512", "-nodefaults", "-no-reboot", "-display", "none"],
        ...["-serial", `file:${console}`, "-kernel", kernel.vmlinuz, "-initrd", initramfs],
        ...["-append", "console=ttyS0 panic=-1 quiet lab.probe=1"],
      ],
      { timeout: probeTimeoutMs, reject: false },
    );
    return (await readFile(console, "utf8").catch(() => "")).includes("lab-probe-ok");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The accelerator for this kernel on this machine, probed once and remembered in the cache. */
export async function labAccel(kernel: LabKernel, initramfs: string, log: (line: string) => void): Promise<Accel> {
  const remembered = await readFile(accelFile, "utf8")
    .then((text) => JSON.parse(text) as { release: string; accel: Accel })
    .catch(() => undefined);
  if (remembered?.release === kernel.release) return remembered.accel;
  const hasKvm = await access("/dev/kvm", constants.R_OK | constants.W_OK)
    .then(() => true)
    .catch(() => false);
  let accel: Accel = "tcg";
  if (hasKvm) {
    log("probing whether KVM boots the lab kernel");
    if (await kvmBoots(kernel, initramfs)) accel = "kvm";
  }
  log(`lab accelerator: ${accel}`);
  await writeFile(accelFile, `${JSON.stringify({ release: kernel.release, accel })}\n`);
  return accel;
}
