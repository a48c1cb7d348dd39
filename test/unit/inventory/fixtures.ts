/**
 * The lab's captures (test/fixtures/lab/): the agent's own inventory of the seed topology, fresh
 * on every call so a test can edit its copy into a misconfiguration, and iproute2's view of the
 * same moment.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../../agent/artifacts.js";
import { buildInventory } from "../../../agent/inventory/build.js";
import type { Inventory, KernelView } from "../../../agent/inventory/types.js";

export type JsonObject = Record<string, unknown>;

export const labFixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(projectRoot, "test", "fixtures", "lab", name), "utf8"));

/** `ip -j` prints arrays of objects. */
export const labEntries = (name: string) => labFixture(name) as JsonObject[];

/** What the kernel said (`vrf-agent inventory` in the guest), without the audit's findings. */
export function seedView(name = "inventory.json"): KernelView {
  const { vrfs, rules, sysctls } = labFixture(name) as Inventory;
  return { vrfs, rules, sysctls };
}

export const build = (view: KernelView): Inventory => buildInventory(view, { netns: "", readAt: 0 });
