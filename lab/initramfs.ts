/** The guest's initramfs: busybox, stage 1 (guest/init.sh) and the drivers it loads. */
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { execa } from "execa";
import type { LabKernel } from "./kernel.js";
import { guestModules, loadOrder, parseModulesDep } from "./modules.js";
import { initramfsFile, projectRoot } from "./paths.js";

/** busybox-static's binary: the initramfs has no libc, so it must be the static one. */
const busybox = "/bin/busybox";

export async function buildInitramfs(kernel: LabKernel): Promise<string> {
  const deps = parseModulesDep(await readFile(join(kernel.modulesDir, "modules.dep"), "utf8"));
  const order = loadOrder(deps, guestModules);
  const stage = await mkdtemp(join(tmpdir(), "vrf-lab-initramfs-"));
  try {
    await mkdir(join(stage, "bin"));
    await mkdir(join(stage, "modules"));
    for (const dir of ["dev", "proc", "sys"]) await mkdir(join(stage, dir));
    await copyFile(busybox, join(stage, "bin", "busybox"));
    await copyFile(join(projectRoot, "lab", "guest", "init.sh"), join(stage, "init"));
    await chmod(join(stage, "init"), 0o755);
    for (const path of order) await copyFile(join(kernel.modulesDir, path), join(stage, "modules", basename(path)));
    await writeFile(join(stage, "modules", "order"), `${order.map((p) => basename(p)).join("\n")}\n`);
    // Uncompressed: every kernel reads it, and it is small enough that packing costs more than it saves.
    await execa("find", ["."], { cwd: stage }).pipe("cpio", ["--quiet", "-o", "-H", "newc"], {
      cwd: stage,
      stdout: { file: initramfsFile },
    });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  return initramfsFile;
}
