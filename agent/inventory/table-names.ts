/**
 * Routing table names. `ip route` prints a table by the name rt_tables gives it ("main", or
 * "red" when an operator names table 10 that way), and `-N` would make route types numeric
 * too, so names are resolved here instead. VRF tables are often named in rt_tables.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export type TableNames = ReadonlyMap<string, number>;

/** The names iproute2 knows without any file (include/uapi/linux/rtnetlink.h's RT_TABLE_*). */
export const reservedTableNames: TableNames = new Map([
  ["unspec", 0],
  ["default", 253],
  ["main", 254],
  ["local", 255],
]);

export const mainTable = 254;

/** rt_tables' format: `ID NAME` per line, ID decimal or 0x hex, `#` comments. */
export function parseRtTables(text: string): Map<string, number> {
  const names = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^\s*(0x[0-9a-f]+|\d+)\s+([^\s#]+)/i.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    names.set(match[2], Number(match[1]));
  }
  return names;
}

/** iproute2 6.1 reads /etc; newer releases fall back to their shipped copy under /usr. */
const configDirs = ["/usr/lib/iproute2", "/usr/share/iproute2", "/etc/iproute2"];

const readOrEmpty = (file: string) => readFile(file, "utf8").catch(() => "");

async function dropIns(dir: string): Promise<string[]> {
  const entries = await readdir(join(dir, "rt_tables.d")).catch(() => [] as string[]);
  return entries.filter((name) => name.endsWith(".conf")).map((name) => join(dir, "rt_tables.d", name));
}

/** Every table name the host's iproute2 may print; missing files are simply absent names. */
export async function readTableNames(dirs: readonly string[] = configDirs): Promise<TableNames> {
  const files = (await Promise.all(dirs.map(async (dir) => [join(dir, "rt_tables"), ...(await dropIns(dir))]))).flat();
  const texts = await Promise.all(files.map(readOrEmpty));
  // Later directories override earlier ones, as /etc overrides what the package ships.
  return new Map([...texts.flatMap((text) => [...parseRtTables(text)]), ...reservedTableNames]);
}

/** A route's or rule's table as a number; absent means main (iproute2 omits it); unknown names are undefined. */
export function tableId(name: string | undefined, names: TableNames = reservedTableNames): number | undefined {
  if (name === undefined) return mainTable;
  if (/^\d+$/.test(name)) return Number(name);
  return names.get(name) ?? reservedTableNames.get(name);
}
