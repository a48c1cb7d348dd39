/**
 * `vrf-agent inventory`: what the agent sees of a namespace, as JSON: its VRFs with their members,
 * route counts and unreachable defaults, the FIB rules, the l3mdev sysctls and the audit's
 * problems. The same read as the daemon's (one rtnetlink dump), so an operator can compare it
 * with `ip` and the lab can capture it as a fixture.
 */
import { openInventory } from "../inventory/index.js";
import { loadNative } from "../native.js";
import { Command, parseCommand, usage } from "./options.js";

export async function runInventoryCommand(argv: string[]): Promise<number> {
  const program = new Command("vrf-agent inventory")
    .description("Prints the inventory of a network namespace as JSON.")
    .option("--netns <name>", "a named network namespace (ip netns) instead of the agent's own");
  const parsed = parseCommand<{ netns?: string }>(program, argv);
  if (!parsed.ok) return usage(parsed);
  const watch = await openInventory(loadNative(), { netns: parsed.options.netns ?? "" });
  try {
    const { readAt: _readAt, ...inventory } = watch.current();
    process.stdout.write(`${JSON.stringify(inventory, null, 2)}\n`);
  } finally {
    watch.stop();
  }
  return 0;
}
