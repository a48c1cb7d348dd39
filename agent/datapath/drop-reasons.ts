/**
 * Names of the kernel's drop reasons, read from the running kernel's BTF: the numbers differ
 * between kernels (IP_INNOROUTES is 63 on 6.1 and 88 on 6.18), so none is compiled in.
 * Subsystem reasons (6.x: the subsystem in the high 16 bits) come from the subsystems' own
 * `*_drop_reason` enums, whose values carry the shifted subsystem already.
 */
import type { NativeAddon } from "../native.js";

const corePrefix = "SKB_DROP_REASON_";

export function dropReasonNames(addon: Pick<NativeAddon, "btfEnums">): Map<number, string> {
  const names = new Map<number, string>();
  for (const [enumName, members] of Object.entries(addon.btfEnums("drop_reason"))) {
    // skb_drop_reason_subsys names subsystems, not reasons.
    if (enumName.endsWith("_subsys")) continue;
    for (const [name, value] of members) {
      if (!names.has(value)) names.set(value, name.startsWith(corePrefix) ? name.slice(corePrefix.length) : name);
    }
  }
  return names;
}

/** A reason's name, or its number for a reason this kernel's BTF does not name. */
export const dropReasonName = (names: Map<number, string>, reason: number) => names.get(reason) ?? `UNKNOWN_${reason}`;
