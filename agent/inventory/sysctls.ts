/**
 * The l3mdev_accept sysctls: whether sockets bound to no VRF accept TCP, UDP and raw traffic
 * that arrives through a VRF. They are per network namespace, so one `cat` of the three files
 * run inside the namespace reads them, one value per line in this order.
 */
import { InventoryError } from "./errors.js";
import type { L3mdevSysctls } from "./types.js";

export const sysctlNames = ["tcp_l3mdev_accept", "udp_l3mdev_accept", "raw_l3mdev_accept"] as const;

export const sysctlPaths = sysctlNames.map((name) => `/proc/sys/net/ipv4/${name}`);

export function parseSysctls(output: string): L3mdevSysctls {
  const values = output
    .trim()
    .split("\n")
    .map((line) => (/^\d+$/.test(line.trim()) ? Number(line) : Number.NaN));
  const [tcp, udp, raw] = values;
  if (
    values.length !== sysctlNames.length ||
    values.some(Number.isNaN) ||
    tcp === undefined ||
    udp === undefined ||
    raw === undefined
  )
    throw new InventoryError(`expected ${sysctlNames.join(", ")} as three numbers, read ${JSON.stringify(output)}`);
  return { tcp, udp, raw };
}
