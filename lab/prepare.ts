/** Everything the lab needs before a boot, made idempotently: kernel, initramfs, accelerator. */
import { mkdir } from "node:fs/promises";
import { labAccel } from "./accel.js";
import { buildInitramfs } from "./initramfs.js";
import { type LabKernel, labKernel } from "./kernel.js";
import { labCache } from "./paths.js";
import type { Accel } from "./qemu.js";

export interface PreparedLab {
  kernel: LabKernel;
  initramfs: string;
  accel: Accel;
}

export async function prepareLab(log: (line: string) => void = () => {}): Promise<PreparedLab> {
  await mkdir(labCache, { recursive: true });
  const kernel = await labKernel(log);
  // Rebuilt every time: it takes a fraction of a second and so never goes stale against init.sh.
  const initramfs = await buildInitramfs(kernel);
  const accel = await labAccel(kernel, initramfs, log);
  return { kernel, initramfs, accel };
}
