/** The inventory's public face: reading, watching, namespaces, and the contract's types. */
export { auditConfig } from "./audit.js";
export { buildInventory, type RawInventory } from "./build.js";
export { InventoryError } from "./errors.js";
export { listNamespaces } from "./namespaces.js";
export { type ReadOptions, readInventory } from "./read.js";
export { execaRunner, type Runner } from "./run.js";
export type * from "./types.js";
export { families } from "./types.js";
export { type InventoryWatch, type WatchOptions, watchInventory } from "./watch.js";
