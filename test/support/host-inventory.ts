/**
 * An inventory built by hand from real interfaces of this host. It stands in for iproute2's view
 * of VRFs because this host's kernel has no VRF driver: a veth plays each VRF device. The lab
 * tier runs the real inventory against real VRFs.
 */
import type { Inventory, Link, Vrf } from "../../agent/inventory/types.js";
import type { VethPair } from "./veth.js";

const link = (veth: VethPair, master?: string): Link => ({
  name: veth.name,
  ifindex: veth.ifindex,
  operState: "UP",
  up: true,
  ...(master === undefined ? {} : { master }),
});

export function hostInventory(
  vrfs: { name: string; table: number; device: VethPair; members: VethPair[] }[],
): Inventory {
  const built: Vrf[] = vrfs.map((v) => ({
    name: v.name,
    ifindex: v.device.ifindex,
    table: v.table,
    operState: "UP",
    members: v.members.map((m) => link(m, v.name)),
    routes: { ipv4: { unicast: 1 }, ipv6: {} },
    unreachableDefault: { ipv4: { present: true, metric: 4278198272 }, ipv6: { present: false } },
  }));
  return {
    netns: "",
    readAt: Date.now(),
    vrfs: built,
    rules: [],
    sysctls: { tcp: 0, udp: 0, raw: 1 },
    problems: [{ vrf: built[0]?.name ?? "", check: "no_unreachable_default_ipv6", detail: "built by hand" }],
  };
}
