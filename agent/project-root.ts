/** The project's root folder, whether the code runs from source (vitest) or from dist/. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    // Both markers: node_modules folders below hold package.json files of their own.
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "native"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the vrf-agent project root above ${start}`);
    dir = parent;
  }
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
