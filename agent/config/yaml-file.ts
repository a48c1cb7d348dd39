/**
 * A YAML config file checked against a zod schema, with every problem reported as
 * `FILE:LINE:COLUMN: FIELD: what is wrong`, so an operator can go straight to the bad line.
 * Whatever the file holds (a huge file, /dev/zero, binary, an alias bomb), the refusal is one line.
 */
import { open } from "node:fs/promises";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from "yaml";
import type { z } from "zod";
import { OperatorError, systemReason } from "../operator-error.js";

export interface ConfigIssue {
  /** The field as written in the file (`hooks.tc`, `expected_cross_vrf[1].to`); empty for syntax errors. */
  field: string;
  message: string;
  line?: number;
  column?: number;
}

/**
 * Configuration problems are usage errors: exit code 2, as for a bad flag. The message is one
 * line, the first problem and how many more there are (a binary file makes dozens of parser
 * errors); `issues` keeps them all.
 */
export class ConfigError extends OperatorError {
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(summary(file, issues), 2);
    this.name = "ConfigError";
  }
}

function summary(file: string, issues: ConfigIssue[]): string {
  const [first] = issues;
  if (!first) return `${file}: invalid`;
  const more = issues.length - 1;
  return `${formatIssue(file, first)}${more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : ""}`;
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return oneLineText(`${where}: ${issue.field === "" ? "" : `${issue.field}: `}${issue.message}`);
}

/** A message that stays one line on a terminal: line breaks become spaces, other control characters escapes. */
function oneLineText(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, " ")
    .replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * Far above any real config (a few KiB; a web config with a hundred users is about 7 KiB) and far
 * below what hurts: YAML and zod hold several copies of what they parse, and a 13 MB file took the
 * agent to 1.6 GB. Only this much plus one byte is ever read, so /dev/zero or an endless FIFO stops
 * here too, which the size fstat reports (0 for both) could not promise.
 */
export const maxConfigBytes = 1024 * 1024;

/** The file's text, or a ConfigError saying in a few words why it cannot be read or is not YAML text. */
export async function readConfigFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readAtMost(file, maxConfigBytes + 1);
  } catch (error) {
    throw new ConfigError(file, [{ field: "", message: `cannot read: ${fsReason(error)}` }]);
  }
  const refuse = (message: string) => new ConfigError(file, [{ field: "", message }]);
  if (bytes.length > maxConfigBytes) {
    throw refuse(`larger than ${maxConfigBytes / 1024 / 1024} MiB, so not a config file (they are a few KiB)`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw refuse(`binary, not YAML text (a NUL byte at offset ${nul})`);
  try {
    // fatal: a byte that is not UTF-8 is refused, not silently turned into U+FFFD.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw refuse("not UTF-8 text (YAML files are UTF-8)");
  }
}

/** Up to `limit` bytes from the start of the file, whatever kind of file it is. */
async function readAtMost(file: string, limit: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(limit);
    let length = 0;
    while (length < limit) {
      const { bytesRead } = await handle.read(buffer, length, limit - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** An fs failure in a few words: the caller has already named the file. */
export function fsReason(error: unknown): string {
  return systemReason(error) ?? (error instanceof Error ? error.message : String(error));
}

export type FieldPath = readonly PropertyKey[];

/** Aliases resolved per document at most (yaml's own default, named): a config has little use for any. */
const maxAliasCount = 100;

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
  // Duplicate keys are found below: yaml's own check compares every key with every other, which
  // takes seconds on a large mapping.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const located = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const syntax = [
    ...doc.errors.map((error) => ({ message: error.message, offset: error.pos[0] })),
    ...duplicateKeys(doc),
  ].sort((a, b) => a.offset - b.offset);
  if (syntax.length > 0) {
    throw new ConfigError(
      file,
      syntax.map(({ message, offset }) => ({ field: "", message, ...located(offset) })),
    );
  }

  const issueAt = (path: FieldPath, message: string, pointAtKey = false): ConfigIssue => {
    const found = walk(doc.contents, path);
    // A missing field is reported at the key of the mapping that lacks it, an unknown key at itself.
    const node = found.depth === path.length && !pointAtKey ? (found.node ?? found.key) : (found.key ?? found.node);
    return { field: fieldName(path), message, ...located(node?.range?.[0]) };
  };

  let data: unknown;
  try {
    // An alias bomb ("billion laughs") ends here as yaml's ReferenceError, after maxAliasCount expansions.
    data = doc.toJS({ maxAliasCount });
  } catch (error) {
    throw new ConfigError(file, [{ field: "", message: error instanceof Error ? error.message : String(error) }]);
  }
  const result = schema.safeParse(data ?? {});
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

/** Every key given twice in one mapping, in yaml's words, in one pass with a set per mapping. */
function duplicateKeys(doc: Parameters<typeof visit>[0]): { message: string; offset: number }[] {
  const found: { message: string; offset: number }[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        // As yaml compares them: the scalar's value, so 1 and "1" are different keys.
        const id = `${typeof key.value}:${String(key.value)}`;
        if (seen.has(id)) found.push({ message: "Map keys must be unique", offset: key.range?.[0] ?? 0 });
        seen.add(id);
      }
    },
  });
  return found;
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
