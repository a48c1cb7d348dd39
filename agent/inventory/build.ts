/** An inventory from the kernel's view: the audit added, the moment and the namespace named. */
import { auditConfig } from "./audit.js";
import type { Inventory, KernelView } from "./types.js";

export function buildInventory(view: KernelView, context: { netns: string; readAt: number }): Inventory {
  return { ...view, netns: context.netns, readAt: context.readAt, problems: auditConfig(view.vrfs, view.rules) };
}
