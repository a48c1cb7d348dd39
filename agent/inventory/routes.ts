/**
 * Routes of every table from `ip -j -4|-6 route show table all`, summarised per table: counts
 * by route type, and the default route that closes the table. iproute2 leaves `type` out for
 * unicast routes and `table` out for main, and prints `::/0` and `0.0.0.0/0` as "default".
 */
import { z } from "zod";
import { parseShape } from "./errors.js";
import { reservedTableNames, type TableNames, tableId } from "./table-names.js";
import type { Family, RouteCounts, UnreachableDefault } from "./types.js";

export const routesSource = (family: Family) => `ip -j -${family === "ipv4" ? 4 : 6} route show table all`;

const routesSchema = z.array(
  z.looseObject({
    type: z.string().optional(),
    dst: z.string(),
    table: z.string().optional(),
    metric: z.number().optional(),
  }),
);

export interface TableRoutes {
  counts: RouteCounts;
  unreachableDefault: UnreachableDefault;
}

/**
 * Route types that end a lookup in the table instead of falling through to the next rule. A
 * `throw` default is the opposite: it sends the lookup on to the next rule on purpose.
 */
const closingTypes = new Set(["unreachable", "blackhole", "prohibit"]);

const isDefault = (dst: string) => dst === "default" || dst === "0.0.0.0/0" || dst === "::/0";

export const emptyTableRoutes = (): TableRoutes => ({ counts: {}, unreachableDefault: { present: false } });

/** Per table id; routes whose table name cannot be resolved belong to no VRF and are skipped. */
export function parseRoutes(
  value: unknown,
  family: Family,
  names: TableNames = reservedTableNames,
): Map<number, TableRoutes> {
  const tables = new Map<number, TableRoutes>();
  for (const route of parseShape(routesSchema, value, routesSource(family))) {
    const id = tableId(route.table, names);
    if (id === undefined) continue;
    let table = tables.get(id);
    if (table === undefined) {
      table = emptyTableRoutes();
      tables.set(id, table);
    }
    const type = route.type ?? "unicast";
    table.counts[type] = (table.counts[type] ?? 0) + 1;
    if (!closingTypes.has(type) || !isDefault(route.dst)) continue;
    // IPv4 omits a zero metric. Of several, the lowest metric is the one lookups meet.
    const metric = route.metric ?? 0;
    const known = table.unreachableDefault;
    if (!known.present || metric < (known.metric ?? 0)) table.unreachableDefault = { present: true, metric, type };
  }
  return tables;
}
