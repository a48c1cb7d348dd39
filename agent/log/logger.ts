/**
 * The agent's one logger: leveled, structured, one line per record on stderr, as logfmt (what the
 * Prometheus exporters print by default) or JSON lines. libbpf's own log is routed into it too.
 */
import logfmt from "logfmt";

export const logLevels = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof logLevels)[number];

export const logFormats = ["logfmt", "json"] as const;
export type LogFormat = (typeof logFormats)[number];

export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where each finished line goes; stderr unless a test captures it. */
  write?: (line: string) => void;
  /** The clock for `ts`; tests pin it. */
  now?: () => Date;
}

const reserved = new Set(["ts", "level", "msg"]);
const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class Logger {
  private readonly write: (line: string) => void;
  private readonly now: () => Date;

  constructor(
    private readonly options: LoggerOptions,
    /** Fields bound by `child()`, printed before `msg` like go-kit's `log.With`. */
    private readonly bound: LogFields = {},
  ) {
    this.write = options.write ?? ((line) => void process.stderr.write(line));
    this.now = options.now ?? (() => new Date());
  }

  /** A logger that adds these fields to every record, e.g. `child({ component: "http" })`. */
  child(fields: LogFields): Logger {
    return new Logger({ ...this.options, write: this.write, now: this.now }, { ...this.bound, ...fields });
  }

  /** Lets a caller skip building an expensive message (libbpf's debug output is large). */
  enabled(level: LogLevel): boolean {
    return rank[level] >= rank[this.options.level];
  }

  debug(msg: string, fields?: LogFields): void {
    this.log("debug", msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.log("warn", msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.log("error", msg, fields);
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const record: LogFields = { ts: this.now().toISOString(), level };
    // The fixed keys win: a field called `level` or `msg` must not disguise a record.
    for (const [key, value] of Object.entries(this.bound)) if (!reserved.has(key)) record[key] = value;
    record.msg = msg;
    for (const [key, value] of Object.entries(fields)) if (!reserved.has(key)) record[key] = value;
    this.write(`${this.options.format === "json" ? toJson(record) : toLogfmt(record)}\n`);
  }
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => plain(v));
}

function toLogfmt(record: LogFields): string {
  const flat: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(record)) {
    const v = plain(value);
    if (v === undefined) continue;
    if (typeof v === "number" || typeof v === "boolean") {
      flat[key] = v;
      continue;
    }
    // The package quotes on spaces but not on line breaks, which would split one record over lines.
    flat[key] = (typeof v === "string" ? v : toJson(v)).replace(/\p{Cc}/gu, escapeControl);
  }
  return logfmt.stringify(flat);
}

/** What a value looks like in a record: errors by message, bigints (map counters) as decimal text. */
function plain(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === "bigint") return value.toString();
  return value;
}

function escapeControl(char: string): string {
  const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  return named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}
