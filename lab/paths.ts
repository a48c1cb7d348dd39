/** Where the lab keeps what it downloads and builds, and where each run writes. All git-ignored. */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The project root, found from this file whether it runs from lab/ or dist/lab/. */
export const projectRoot = fileURLToPath(new URL(import.meta.url.includes("/dist/") ? "../../" : "../", import.meta.url));

export const labCache = join(projectRoot, ".cache", "lab");
export const kernelCache = join(labCache, "kernel");
export const initramfsFile = join(labCache, "initramfs.cpio");
export const accelFile = join(labCache, "accel.json");
export const runsDir = join(labCache, "runs");

/** Compiled guest-side programs, which the guest runs from the shared host root. */
export const guestProgram = (name: string) => join(projectRoot, "dist", "lab", "guest", `${name}.js`);
