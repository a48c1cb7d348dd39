/**
 * Links and their addresses from `ip -j -d link show` and `ip -j address show`, and the VRF
 * devices among them. The two commands run concurrently, so a link may appear in one and not
 * the other; that is tolerated, not an error.
 */
import { z } from "zod";
import { InventoryError, parseShape } from "./errors.js";
import type { Address, Family, Link } from "./types.js";

export const linksSource = "ip -j -d link show";
export const addressesSource = "ip -j address show";

const linkSchema = z.array(
  z.looseObject({
    ifindex: z.number().int(),
    ifname: z.string(),
    operstate: z.string().optional(),
    flags: z.array(z.string()).optional(),
    address: z.string().optional(),
    master: z.string().optional(),
    linkinfo: z
      .looseObject({
        info_kind: z.string().optional(),
        info_data: z.looseObject({ table: z.number().int().optional() }).optional(),
      })
      .optional(),
  }),
);

const familyOf = (name: string): Family | undefined =>
  name === "inet" ? "ipv4" : name === "inet6" ? "ipv6" : undefined;

const addressesSchema = z.array(
  z.looseObject({
    ifindex: z.number().int(),
    ifname: z.string(),
    addr_info: z
      .array(
        z
          .looseObject({ family: z.string(), local: z.string().optional(), prefixlen: z.number().int().optional() })
          // Other families (if iproute2 ever lists one) are skipped; an IP address must be whole.
          .refine(
            (info) => familyOf(info.family) === undefined || (info.local !== undefined && info.prefixlen !== undefined),
            {
              message: "an inet/inet6 address without local or prefixlen",
            },
          ),
      )
      .optional(),
  }),
);

/** A VRF device as `ip -d link` describes it, before its members and routes are attached. */
export interface VrfDevice {
  name: string;
  ifindex: number;
  table: number;
  operState: string;
  mac?: string;
}

export interface ParsedLinks {
  /** Every link, in ifindex order. */
  links: Link[];
  /** The VRF devices, in ifindex order. */
  vrfs: VrfDevice[];
}

const macPattern = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** Tunnels print an IP address or nothing as their link-layer address; only a MAC is a MAC. */
const macOf = (address: string | undefined) =>
  address !== undefined && macPattern.test(address) ? { mac: address } : {};

function parseAddresses(value: unknown): Map<number, Address[]> {
  const byIndex = new Map<number, Address[]>();
  for (const entry of parseShape(addressesSchema, value, addressesSource)) {
    const addresses: Address[] = [];
    for (const info of entry.addr_info ?? []) {
      const family = familyOf(info.family);
      if (family === undefined || info.local === undefined || info.prefixlen === undefined) continue;
      addresses.push({ family, address: info.local, prefixLength: info.prefixlen });
    }
    byIndex.set(entry.ifindex, addresses);
  }
  return byIndex;
}

export function parseLinks(linksValue: unknown, addressesValue: unknown): ParsedLinks {
  const entries = parseShape(linkSchema, linksValue, linksSource);
  const addresses = parseAddresses(addressesValue);
  const links: Link[] = [];
  const vrfs: VrfDevice[] = [];
  for (const entry of [...entries].sort((a, b) => a.ifindex - b.ifindex)) {
    const flags = entry.flags ?? [];
    const operState = entry.operstate ?? "UNKNOWN";
    const kind = entry.linkinfo?.info_kind;
    links.push({
      name: entry.ifname,
      ifindex: entry.ifindex,
      ...(kind === undefined ? {} : { kind }),
      ...(entry.master === undefined ? {} : { master: entry.master }),
      operState,
      up: flags.includes("UP") && flags.includes("LOWER_UP"),
      ...macOf(entry.address),
      addresses: addresses.get(entry.ifindex) ?? [],
    });
    if (kind !== "vrf") continue;
    const table = entry.linkinfo?.info_data?.table;
    // `-d` is what prints info_data; a VRF without a table means the output is not what we asked for.
    if (table === undefined) throw new InventoryError(`\`${linksSource}\` shows VRF ${entry.ifname} without its table`);
    vrfs.push({ name: entry.ifname, ifindex: entry.ifindex, table, operState, ...macOf(entry.address) });
  }
  return { links, vrfs };
}
