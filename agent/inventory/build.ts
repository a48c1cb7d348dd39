/**
 * The inventory from iproute2's decoded JSON: a pure function, so the parsers' tests run it on
 * the lab's fixtures and reading (read.ts) only has to fetch the inputs.
 */
import { auditConfig } from "./audit.js";
import { parseLinks } from "./links.js";
import { emptyTableRoutes, parseRoutes } from "./routes.js";
import { parseRules } from "./rules.js";
import { reservedTableNames, type TableNames } from "./table-names.js";
import { type Family, families, type Inventory, type L3mdevSysctls, type Vrf } from "./types.js";

/** Each command's output, JSON-decoded; validation happens here. */
export interface RawInventory {
  /** `ip -j -d link show` */
  links: unknown;
  /** `ip -j address show` */
  addresses: unknown;
  /** `ip -j -4|-6 route show table all` */
  routes: Record<Family, unknown>;
  /** `ip -j -4|-6 rule show` */
  rules: Record<Family, unknown>;
  sysctls: L3mdevSysctls;
  /** Table names the routes may use beyond the reserved ones (rt_tables). */
  tableNames?: TableNames;
}

export function buildInventory(raw: RawInventory, context: { netns: string; readAt: number }): Inventory {
  const { links, vrfs: devices } = parseLinks(raw.links, raw.addresses);
  const names = raw.tableNames ?? reservedTableNames;
  const tables = {
    ipv4: parseRoutes(raw.routes.ipv4, "ipv4", names),
    ipv6: parseRoutes(raw.routes.ipv6, "ipv6", names),
  };
  const rules = families.flatMap((family) => parseRules(raw.rules[family], family));
  const vrfs = devices.map((device): Vrf => {
    const routes = (family: Family) => tables[family].get(device.table) ?? emptyTableRoutes();
    return {
      ...device,
      members: links.filter((link) => link.master === device.name),
      routes: { ipv4: routes("ipv4").counts, ipv6: routes("ipv6").counts },
      unreachableDefault: { ipv4: routes("ipv4").unreachableDefault, ipv6: routes("ipv6").unreachableDefault },
    };
  });
  return {
    netns: context.netns,
    readAt: context.readAt,
    vrfs,
    links,
    rules,
    sysctls: raw.sysctls,
    problems: auditConfig(vrfs, rules),
  };
}
