/**
 * Reads a namespace's inventory: the iproute2 commands and the sysctls, all at once, then
 * builds and audits it. Any failure (a command, its output) rejects with an InventoryError;
 * nothing here exits the process.
 */
import { buildInventory } from "./build.js";
import { parseJsonText } from "./errors.js";
import { execaRunner, type Runner } from "./run.js";
import { parseSysctls, sysctlPaths } from "./sysctls.js";
import { readTableNames } from "./table-names.js";
import type { Inventory } from "./types.js";

export interface ReadOptions {
  /** A named network namespace (`ip netns`); absent for the agent's own. */
  netns?: string;
  run?: Runner;
}

/** `ip [-n NS] -j ARGS`, decoded. */
export function ipJson(run: Runner, netns: string, args: readonly string[]): Promise<unknown> {
  const full = [...(netns === "" ? [] : ["-n", netns]), "-j", ...args];
  return run("ip", full).then((stdout) => parseJsonText(stdout, ["ip", ...full].join(" ")));
}

/** Inside a named namespace /proc/sys/net is that namespace's only for a process that entered it. */
function readSysctls(run: Runner, netns: string): Promise<string> {
  return netns === "" ? run("cat", sysctlPaths) : run("ip", ["netns", "exec", netns, "cat", ...sysctlPaths]);
}

export async function readInventory(options: ReadOptions = {}): Promise<Inventory> {
  const run = options.run ?? execaRunner;
  const netns = options.netns ?? "";
  const readAt = Date.now();
  const ip = (...args: string[]) => ipJson(run, netns, args);
  const [links, addresses, routes4, routes6, rules4, rules6, sysctls, tableNames] = await Promise.all([
    ip("-d", "link", "show"),
    ip("address", "show"),
    ip("-4", "route", "show", "table", "all"),
    ip("-6", "route", "show", "table", "all"),
    ip("-4", "rule", "show"),
    ip("-6", "rule", "show"),
    readSysctls(run, netns).then(parseSysctls),
    readTableNames(),
  ]);
  return buildInventory(
    {
      links,
      addresses,
      routes: { ipv4: routes4, ipv6: routes6 },
      rules: { ipv4: rules4, ipv6: rules6 },
      sysctls,
      tableNames,
    },
    { netns, readAt },
  );
}
