/**
 * The one error the inventory throws: what could not be read or understood, naming the command
 * whose output it was, so the caller can count it, log it and try again on the next change.
 */
import type { z } from "zod";
import { OperatorError } from "../operator-error.js";

export class InventoryError extends OperatorError {
  override name = "InventoryError";
}

const describePath = (path: readonly PropertyKey[]) =>
  path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("") || "the top level";

/** Parses `value` (JSON already decoded) with `schema`, or throws naming the source and the first issues. */
export function parseShape<T extends z.ZodType>(schema: T, value: unknown, source: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${describePath(issue.path)}: ${issue.message}`)
    .join("; ");
  throw new InventoryError(`unexpected shape of \`${source}\` output: ${issues}`);
}

/** iproute2 prints nothing at all for some empty lists (`ip -j netns list`); that is no entries. */
export function parseJsonText(text: string, source: string): unknown {
  if (text.trim() === "") return [];
  try {
    return JSON.parse(text);
  } catch (error) {
    const start = text.trim().slice(0, 60);
    throw new InventoryError(
      `\`${source}\` did not print JSON (${error instanceof Error ? error.message : String(error)}); it began: ${JSON.stringify(start)}`,
    );
  }
}
