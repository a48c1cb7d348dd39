/** Where the lab keeps what it downloads and builds, and where each run writes. All git-ignored. */
import { join } from "node:path";
import { projectRoot } from "../agent/artifacts.js";

export { projectRoot };

export const labCache = join(projectRoot, ".cache", "lab");
export const kernelCache = join(labCache, "kernel");
export const initramfsFile = join(labCache, "initramfs.cpio");
export const accelFile = join(labCache, "accel.json");
export const runsDir = join(labCache, "runs");

/** Compiled guest-side programs, which the guest runs from the shared host root. */
export const guestProgram = (name: string) => join(projectRoot, "dist", "lab", "guest", `${name}.js`);
