/**
 * The lab's kernel: Debian's own linux-image package, fetched once with apt-get download and
 * unpacked into the cache, so the guest runs the kernel Debian 12 routers run.
 */
import { access, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { LabError } from "./errors.js";
import { kernelCache } from "./paths.js";

export interface LabKernel {
  /** The kernel release, as `uname -r` says it in the guest. */
  release: string;
  vmlinuz: string;
  /** The directory holding modules.dep and kernel/. */
  modulesDir: string;
}

/** The metapackage whose dependency names Debian's current kernel image. */
const metapackage = "linux-image-amd64";

async function cachedKernel(): Promise<LabKernel | undefined> {
  const modules = join(kernelCache, "lib", "modules");
  const releases = await readdir(modules).catch(() => []);
  const release = releases.sort().at(-1);
  if (release === undefined) return undefined;
  const kernel = {
    release,
    vmlinuz: join(kernelCache, "boot", `vmlinuz-${release}`),
    modulesDir: join(modules, release),
  };
  const ready = await Promise.all([kernel.vmlinuz, join(kernel.modulesDir, "modules.dep")].map((f) => access(f)))
    .then(() => true)
    .catch(() => false);
  return ready ? kernel : undefined;
}

async function imagePackage(): Promise<string> {
  const { stdout } = await execa("apt-cache", ["depends", metapackage], { reject: false });
  const name = /Depends: (linux-image-\S+)/.exec(stdout)?.[1];
  if (name === undefined) {
    throw new LabError(`apt knows no ${metapackage}: run 'apt-get update' (npm run setup does) and try again`);
  }
  return name;
}

/** The cached kernel, or a freshly fetched one. Delete .cache/lab to take a newer Debian kernel. */
export async function labKernel(log: (line: string) => void = () => {}): Promise<LabKernel> {
  const cached = await cachedKernel();
  if (cached) return cached;
  const name = await imagePackage();
  log(`fetching ${name} with apt-get download`);
  const download = join(kernelCache, "..", "download");
  await rm(download, { recursive: true, force: true });
  await mkdir(download, { recursive: true });
  const fetched = await execa("apt-get", ["download", name], { cwd: download, reject: false });
  if (fetched.failed) throw new LabError(`apt-get download ${name} failed: ${fetched.stderr.trim()}`);
  const [deb] = (await readdir(download)).filter((f) => f.endsWith(".deb"));
  if (deb === undefined) throw new LabError(`apt-get download ${name} left no .deb behind`);
  await rm(kernelCache, { recursive: true, force: true });
  await execa("dpkg-deb", ["-x", join(download, deb), kernelCache]);
  await rm(download, { recursive: true, force: true });
  // The package ships no modules.dep (its postinst would run depmod): make it here.
  const [release] = await readdir(join(kernelCache, "lib", "modules"));
  if (release === undefined) throw new LabError(`${deb} holds no modules`);
  await execa("depmod", ["-b", kernelCache, release]);
  const kernel = await cachedKernel();
  if (kernel === undefined) throw new LabError(`${deb} did not unpack into a bootable kernel`);
  return kernel;
}
