/** What the datapath should watch, derived from an inventory: every VRF device and member. */
import type { Inventory } from "../inventory/types.js";

export interface DesiredVrf {
  name: string;
  ifindex: number;
}

export interface DesiredIface {
  name: string;
  ifindex: number;
  vrf: string;
  /** The VRF device itself. */
  master: boolean;
}

export interface Desired {
  vrfs: DesiredVrf[];
  ifaces: DesiredIface[];
}

export function desiredFrom(inventory: Inventory): Desired {
  return {
    vrfs: inventory.vrfs.map((vrf) => ({ name: vrf.name, ifindex: vrf.ifindex })),
    ifaces: inventory.vrfs.flatMap((vrf) => [
      { name: vrf.name, ifindex: vrf.ifindex, vrf: vrf.name, master: true },
      ...vrf.members.map((m) => ({ name: m.name, ifindex: m.ifindex, vrf: vrf.name, master: false })),
    ]),
  };
}
