/**
 * The one error the inventory throws: what could not be read, naming the namespace and what was
 * being done, so the caller can count it, log it and carry on with the next change.
 */
import { getSystemErrorMessage } from "node:util";
import { OperatorError } from "../operator-error.js";

export class InventoryError extends OperatorError {
  override name = "InventoryError";
}

/** "<what> in <namespace>: <strerror>", as the watch's thread reports a failure. */
export function describeFailure(netns: string, doing: string, errno: number): string {
  const where = netns === "" ? "the agent's own namespace" : `namespace ${netns}`;
  return `inventory of ${where}: ${doing} failed: ${getSystemErrorMessage(-errno)}`;
}
