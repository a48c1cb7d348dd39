/**
 * A YAML config file checked against a zod schema, with every problem reported as
 * `FILE:LINE:COLUMN: FIELD: what is wrong`, so an operator can go straight to the bad line.
 */
import { readFile } from "node:fs/promises";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { OperatorError, systemReason } from "../operator-error.js";

export interface ConfigIssue {
  /** The field as written in the file (`hooks.tc`, `expected_cross_vrf[1].to`); empty for syntax errors. */
  field: string;
  message: string;
  line?: number;
  column?: number;
}

/** Configuration problems are usage errors: exit code 2, as for a bad flag. */
export class ConfigError extends OperatorError {
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join("\n"), 2);
    this.name = "ConfigError";
  }
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.field === "" ? "" : `${issue.field}: `}${issue.message}`;
}

/** The file's text, or a ConfigError saying in a few words why it cannot be read. */
export async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, [{ field: "", message: `cannot read: ${fsReason(error)}` }]);
  }
}

/** An fs failure in a few words: the caller has already named the file. */
export function fsReason(error: unknown): string {
  return systemReason(error) ?? (error instanceof Error ? error.message : String(error));
}

export type FieldPath = readonly PropertyKey[];

export interface ParsedYaml<T> {
  value: T;
  /** An issue located at a field, for checks made after the schema (a file that cannot be read, ...). */
  issueAt(path: FieldPath, message: string): ConfigIssue;
}

/**
 * Parses and validates; throws ConfigError listing every problem. An empty file is an empty mapping,
 * so a config file with everything commented out means "all defaults".
 */
export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S): ParsedYaml<z.output<S>> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const located = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((error) => ({ field: "", message: error.message, ...located(error.pos[0]) })),
    );
  }

  const issueAt = (path: FieldPath, message: string, pointAtKey = false): ConfigIssue => {
    const found = walk(doc.contents, path);
    // A missing field is reported at the key of the mapping that lacks it, an unknown key at itself.
    const node = found.depth === path.length && !pointAtKey ? (found.node ?? found.key) : (found.key ?? found.node);
    return { field: fieldName(path), message, ...located(node?.range?.[0]) };
  };

  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return { value: result.data, issueAt: (path, message) => issueAt(path, message) };

  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      // One issue per key, on the key's own line: a typo is easiest to spot where it was typed.
      for (const key of issue.keys) issues.push(issueAt([...issue.path, key], "unknown key", true));
      continue;
    }
    const found = walk(doc.contents, issue.path);
    const present = found.depth === issue.path.length;
    // A custom check says what it wants on its own; a field left out only needs to be named.
    if (issue.code === "custom") issues.push(issueAt(issue.path, issue.message));
    else if (!present) issues.push(issueAt(issue.path, "required but missing"));
    // What was written helps with a wrong word or type; a value that fails a format check may be a secret.
    else if (issue.code === "invalid_value" || issue.code === "invalid_type") {
      issues.push(issueAt(issue.path, `${describe(issue)}${got(found.node, text)}`));
    } else issues.push(issueAt(issue.path, describe(issue)));
  }
  // In file order, which is how an operator fixes them.
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  throw new ConfigError(file, issues);
}

function describe(issue: z.core.$ZodIssue): string {
  // zod's own wording for an enum; a schema that words it itself (why TLS11 is refused) keeps its words.
  if (issue.code === "invalid_value" && issue.message.startsWith("Invalid option")) {
    return `must be one of ${issue.values.map(String).join(", ")}`;
  }
  return issue.message.replace(/^Invalid input: /, "");
}

/** The offending scalar as written, so "must be one of ..." also says what was there. */
function got(node: Node | null, text: string): string {
  if (!isScalar(node) || !node.range) return "";
  const source = text.slice(node.range[0], node.range[1]);
  return source.length > 0 && source.length <= 60 ? ` (got ${source})` : "";
}

function fieldName(path: FieldPath): string {
  let name = "";
  for (const part of path) {
    name += typeof part === "number" ? `[${part}]` : `${name === "" ? "" : "."}${String(part)}`;
  }
  return name;
}

interface Found {
  /** How many parts of the path exist in the document. */
  depth: number;
  /** The node reached; null where a key has no value (`hooks:`). */
  node: Node | null;
  /** The key of the mapping entry reached last, unless a list item was reached after it. */
  key?: Node;
}

function walk(root: unknown, path: FieldPath): Found {
  const found: Found = { depth: 0, node: (root as Node | null | undefined) ?? null };
  for (const part of path) {
    const { node } = found;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) break;
      found.key = pair.key as Node;
      found.node = (pair.value as Node | null) ?? null;
    } else if (isSeq(node) && typeof part === "number" && node.items[part]) {
      found.node = node.items[part] as Node;
      delete found.key;
    } else break;
    found.depth += 1;
  }
  return found;
}
