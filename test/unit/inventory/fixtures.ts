/**
 * The lab's real `ip -j` captures (test/fixtures/lab/) as the inventory's raw input, fresh on
 * every call so a test can edit its copy into a misconfiguration.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RawInventory } from "../../../agent/inventory/build.js";
import { buildInventory } from "../../../agent/inventory/build.js";
import type { Inventory } from "../../../agent/inventory/types.js";
import { projectRoot } from "../../../agent/project-root.js";

export type JsonObject = Record<string, unknown>;

export const labFixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(projectRoot, "test", "fixtures", "lab", name), "utf8"));

/** `ip -j` prints arrays of objects; tests edit them as such. */
export const labEntries = (name: string) => labFixture(name) as JsonObject[];

export function seedRaw(): RawInventory {
  const sysctls = labFixture("sysctl-l3mdev.json") as Record<string, number>;
  return {
    links: labEntries("links.json"),
    addresses: labEntries("addresses.json"),
    routes: { ipv4: labEntries("routes-ipv4.json"), ipv6: labEntries("routes-ipv6.json") },
    rules: { ipv4: labEntries("rules-ipv4.json"), ipv6: labEntries("rules-ipv6.json") },
    sysctls: {
      tcp: sysctls.tcp_l3mdev_accept ?? -1,
      udp: sysctls.udp_l3mdev_accept ?? -1,
      raw: sysctls.raw_l3mdev_accept ?? -1,
    },
  };
}

export const build = (raw: RawInventory): Inventory => buildInventory(raw, { netns: "", readAt: 0 });
