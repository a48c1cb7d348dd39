/** Kernel modules the lab guest needs, in an order insmod accepts (busybox has no modprobe). */

/** Drivers the guest loads by name; their dependencies are found in modules.dep. */
export const guestModules = [
  "virtio_pci",
  "9pnet_virtio",
  "9p",
  "virtio_console",
  "virtio_net",
  "veth",
  "vrf",
  "sch_ingress",
  "cls_bpf",
  // systemd-nspawn --volatile=overlay, which boots the package's root over the read-only share.
  "overlay",
] as const;

/** modules.dep as a map from a module's relative path to the paths it depends on. */
export type ModuleDeps = ReadonlyMap<string, readonly string[]>;

export function parseModulesDep(text: string): ModuleDeps {
  const deps = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const rest = line.slice(colon + 1).trim();
    deps.set(line.slice(0, colon), rest === "" ? [] : rest.split(/\s+/));
  }
  return deps;
}

/** A module's name as modprobe knows it: file name without suffix, dashes as underscores. */
export function moduleName(path: string): string {
  const file = path.slice(path.lastIndexOf("/") + 1);
  return file.replace(/\.ko(\.(xz|zst|gz))?$/, "").replaceAll("-", "_");
}

/**
 * Paths of the wanted modules and everything they need, each after its dependencies.
 * Throws naming the first module the kernel package does not have, so a kernel change fails loudly.
 */
export function loadOrder(deps: ModuleDeps, wanted: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const path of deps.keys()) byName.set(moduleName(path), path);
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const dep of deps.get(path) ?? []) visit(dep);
    order.push(path);
  };
  for (const name of wanted) {
    const path = byName.get(name);
    if (path === undefined) throw new Error(`kernel module ${name} is not in modules.dep`);
    visit(path);
  }
  return order;
}
