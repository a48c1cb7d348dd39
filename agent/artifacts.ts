/**
 * Where the agent's built parts are: its package.json (the version), the build details, the addon
 * and the BPF objects. They sit at the same paths below one root in a checkout and in the Debian
 * package, which installs a checkout's outputs under /usr/lib/vrf-agent; this module alone knows
 * those paths, and finds the root from its own location, whether it runs from source (vitest),
 * from dist/ or from the package.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    // Both markers: node_modules folders below hold package.json files of their own.
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "native"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the vrf-agent root above ${start}`);
    dir = parent;
  }
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

export const packageJsonPath = join(projectRoot, "package.json");
/** Written by `npm run build` (scripts/build-info.sh); absent in a checkout that was never built. */
export const buildInfoPath = join(projectRoot, "build", "build-info.json");
export const addonPath = join(projectRoot, "native", "build", "Release", "vrf_agent_native.node");
export const bpfObjectsDir = join(projectRoot, "build", "bpf");
export const bpfObjectPath = (name: string) => join(bpfObjectsDir, `${name}.bpf.o`);
