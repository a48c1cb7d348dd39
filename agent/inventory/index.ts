/** The inventory's public face: watching a namespace, listing namespaces, the contract's types. */
export { auditConfig } from "./audit.js";
export { buildInventory } from "./build.js";
export { InventoryError } from "./errors.js";
export { listNamespaces } from "./namespaces.js";
export type * from "./types.js";
export { families } from "./types.js";
export { type InventoryWatch, openInventory, type WatchOptions } from "./watch.js";
