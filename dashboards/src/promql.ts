/**
 * Just enough of a PromQL parser to say which metrics a query reads, which labels it names, and
 * whether every label a grouping names (by, without, on, ignoring, group_left, group_right) is
 * one its operand actually carries. The dashboards' unit tests run every panel query through it
 * against docs/metrics.md, so a renamed metric or label fails there and not on a live Grafana
 * that would only show "No data". It reads plain PromQL: resolve Grafana variables first.
 */

/** A metric's own labels (not instance/job, which every scraped series has), or undefined if unknown. */
export type LabelsOf = (metric: string) => readonly string[] | undefined;

export interface Matcher {
  metric: string;
  label: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

export interface QueryCheck {
  /** Metric names the query reads, once each, in order of appearance. */
  metrics: string[];
  matchers: Matcher[];
  /** One sentence per unknown metric or label; empty when the query only names what exists. */
  problems: string[];
  /** The labels the result's series carry (a table's label columns); null for a scalar or when it cannot tell. */
  labels: string[] | null;
}

/** Labels Prometheus attaches to every series it scrapes. */
export const targetLabels: readonly string[] = ["instance", "job"];

export function checkQuery(expr: string, labelsOf: LabelsOf): QueryCheck {
  const parser = new Parser(tokenize(expr), labelsOf);
  const value = parser.parseAll();
  const labels = value.type === "vector" && value.labels !== null ? [...value.labels] : null;
  return { metrics: [...new Set(parser.metrics)], matchers: parser.matchers, problems: parser.problems, labels };
}

type TokenKind = "number" | "duration" | "string" | "ident" | "op" | "range" | "end";
interface Token {
  kind: TokenKind;
  text: string;
  at: number;
}

const operators = [
  "==",
  "!=",
  "<=",
  ">=",
  "=~",
  "!~",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "<",
  ">",
  "=",
  "(",
  ")",
  "{",
  "}",
  ",",
];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`PromQL: ${what} at ${i} in ${source}`);
  };
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^(?:\s+|#[^\n]*)/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const at = i;
    const ch = source[i] ?? "";
    if (ch === "[") {
      const close = source.indexOf("]", i);
      if (close < 0) fail("unclosed [");
      tokens.push({ kind: "range", text: source.slice(i + 1, close), at });
      i = close + 1;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") {
      let j = i + 1;
      let value = "";
      while (j < source.length && source[j] !== ch) {
        // Escapes only matter for finding the closing quote; the value keeps the escaped character.
        if (source[j] === "\\" && ch !== "`") j++;
        value += source[j] ?? "";
        j++;
      }
      if (j >= source.length) fail("unclosed string");
      tokens.push({ kind: "string", text: value, at });
      i = j + 1;
      continue;
    }
    const duration = /^\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*(?![\w:])/.exec(rest);
    if (duration) {
      tokens.push({ kind: "duration", text: duration[0], at });
      i += duration[0].length;
      continue;
    }
    const number = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(rest);
    if (number) {
      tokens.push({ kind: "number", text: number[0], at });
      i += number[0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: "ident", text: ident[0], at });
      i += ident[0].length;
      continue;
    }
    const op = operators.find((o) => rest.startsWith(o));
    if (!op) fail(`unexpected ${JSON.stringify(ch)}`);
    tokens.push({ kind: "op", text: op ?? "", at });
    i += (op ?? "").length;
  }
  tokens.push({ kind: "end", text: "", at: source.length });
  return tokens;
}

/** What an expression evaluates to: a scalar, a string, or a vector with the labels its series carry (null: cannot tell). */
type Value = { type: "scalar" } | { type: "string" } | { type: "vector"; labels: Set<string> | null };

const scalar: Value = { type: "scalar" };
const anyVector: Value = { type: "vector", labels: null };

const aggregators = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
]);
/** Aggregators whose first argument is a parameter and whose output keeps the input series' labels. */
const selecting = new Set(["topk", "bottomk"]);
const scalarFunctions = new Set(["time", "scalar", "pi"]);
const precedence: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  "==": 3,
  "!=": 3,
  "<=": 3,
  "<": 3,
  ">=": 3,
  ">": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
  atan2: 5,
  "^": 6,
};
const comparisons = new Set(["==", "!=", "<=", "<", ">=", ">"]);
const setOperators = new Set(["and", "or", "unless"]);

class Parser {
  private pos = 0;
  readonly metrics: string[] = [];
  readonly matchers: Matcher[] = [];
  readonly problems: string[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly labelsOf: LabelsOf,
  ) {}

  parseAll(): Value {
    const value = this.expression(1);
    if (this.peek().kind !== "end") this.fail(`unexpected ${this.peek().text}`);
    return value;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    this.pos++;
    return token;
  }

  private is(text: string): boolean {
    const token = this.peek();
    return (token.kind === "op" || token.kind === "ident") && token.text === text;
  }

  private expect(text: string): void {
    if (!this.is(text)) this.fail(`expected ${text}, found ${this.peek().text || "the end"}`);
    this.pos++;
  }

  private fail(what: string): never {
    throw new Error(`PromQL: ${what} at ${this.peek().at}`);
  }

  private operator(): string | undefined {
    const token = this.peek();
    if ((token.kind === "op" || token.kind === "ident") && precedence[token.text] !== undefined) return token.text;
    return undefined;
  }

  private expression(minimum: number): Value {
    let left = this.unary();
    for (;;) {
      const op = this.operator();
      const level = op === undefined ? undefined : precedence[op];
      if (op === undefined || level === undefined || level < minimum) return left;
      this.next();
      const returnBool = this.is("bool");
      if (returnBool) this.next();
      let matching: { kind: "on" | "ignoring"; labels: string[] } | undefined;
      if (this.is("on") || this.is("ignoring")) {
        const kind = this.next().text as "on" | "ignoring";
        matching = { kind, labels: this.labelList() };
      }
      let include: { side: "left" | "right"; labels: string[] } | undefined;
      if (this.is("group_left") || this.is("group_right")) {
        const side = this.next().text === "group_left" ? "left" : "right";
        include = { side, labels: this.is("(") ? this.labelList() : [] };
      }
      // ^ is right-associative; everything else binds left to right.
      const right = this.expression(op === "^" ? level : level + 1);
      left = this.binary(op, left, right, returnBool, matching, include);
    }
  }

  private unary(): Value {
    if (this.is("-") || this.is("+")) {
      this.next();
      return this.expression(precedence["^"] ?? 6);
    }
    return this.postfix(this.primary());
  }

  /** Range and subquery brackets and offsets change the time a value is read at, never its labels. */
  private postfix(value: Value): Value {
    for (;;) {
      if (this.peek().kind === "range") {
        this.next();
      } else if (this.is("offset")) {
        this.next();
        if (this.is("-")) this.next();
        if (this.next().kind !== "duration") this.fail("expected a duration after offset");
      } else {
        return value;
      }
    }
  }

  private primary(): Value {
    const token = this.peek();
    if (token.kind === "number") {
      this.next();
      return scalar;
    }
    if (token.kind === "string") {
      this.next();
      return { type: "string" };
    }
    if (this.is("(")) {
      this.next();
      const inner = this.expression(1);
      this.expect(")");
      return inner;
    }
    if (this.is("{")) return this.selector(undefined);
    if (token.kind !== "ident") this.fail(`unexpected ${token.text || "end"}`);
    const name = token.text;
    if (/^(?:inf|nan)$/i.test(name)) {
      this.next();
      return scalar;
    }
    if (aggregators.has(name) && (this.peek(1).text === "(" || ["by", "without"].includes(this.peek(1).text))) {
      this.next();
      return this.aggregation(name);
    }
    if (this.peek(1).kind === "op" && this.peek(1).text === "(") {
      this.next();
      return this.call(name);
    }
    this.next();
    return this.selector(name);
  }

  private labelList(): string[] {
    this.expect("(");
    const labels: string[] = [];
    while (!this.is(")")) {
      const token = this.next();
      if (token.kind !== "ident") this.fail(`expected a label name, found ${token.text}`);
      labels.push(token.text);
      if (!this.is(")")) this.expect(",");
    }
    this.expect(")");
    return labels;
  }

  private selector(name: string | undefined): Value {
    let metric = name;
    const matchers: Omit<Matcher, "metric">[] = [];
    if (this.is("{")) {
      this.next();
      while (!this.is("}")) {
        const label = this.next();
        if (label.kind !== "ident") this.fail(`expected a label name, found ${label.text}`);
        const op = this.next();
        if (!["=", "!=", "=~", "!~"].includes(op.text)) this.fail(`expected a matcher operator, found ${op.text}`);
        const value = this.next();
        if (value.kind !== "string") this.fail(`expected a quoted value, found ${value.text}`);
        matchers.push({ label: label.text, op: op.text as Matcher["op"], value: value.text });
        if (!this.is("}")) this.expect(",");
      }
      this.expect("}");
    }
    metric ??= matchers.find((m) => m.label === "__name__" && m.op === "=")?.value;
    if (metric === undefined) {
      this.problems.push("a selector without a metric name");
      return anyVector;
    }
    this.metrics.push(metric);
    for (const m of matchers) this.matchers.push({ metric, ...m });
    const own = this.labelsOf(metric);
    if (own === undefined) {
      this.problems.push(`unknown metric ${metric}`);
      return anyVector;
    }
    const labels = new Set([...own, ...targetLabels]);
    for (const m of matchers) {
      if (m.label !== "__name__" && !labels.has(m.label)) this.problems.push(`${metric} has no label ${m.label}`);
    }
    return { type: "vector", labels };
  }

  /** Records a problem for each label the operand does not carry; says where, so a failure names the clause. */
  private require(labels: string[], operand: Value, where: string): void {
    if (operand.type !== "vector" || operand.labels === null) return;
    for (const label of labels) {
      if (!operand.labels.has(label)) {
        this.problems.push(`${where}: ${label} is not a label of its operand (${[...operand.labels].join(", ")})`);
      }
    }
  }

  private aggregation(name: string): Value {
    let grouping: { kind: "by" | "without"; labels: string[] } | undefined;
    if (this.is("by") || this.is("without")) {
      const kind = this.next().text as "by" | "without";
      grouping = { kind, labels: this.labelList() };
    }
    this.expect("(");
    // count_values("label", v): the first argument names the label the values go into.
    const valueLabel = name === "count_values" && this.peek().kind === "string" ? this.peek().text : undefined;
    const args: Value[] = [this.expression(1)];
    while (this.is(",")) {
      this.next();
      args.push(this.expression(1));
    }
    this.expect(")");
    if (!grouping && (this.is("by") || this.is("without"))) {
      const kind = this.next().text as "by" | "without";
      grouping = { kind, labels: this.labelList() };
    }
    const operand = args[args.length - 1] ?? anyVector;
    if (grouping) this.require(grouping.labels, operand, `${name} ${grouping.kind} (${grouping.labels.join(", ")})`);
    if (operand.type !== "vector") this.fail(`${name} needs a vector`);
    if (selecting.has(name)) return operand;
    const kept =
      grouping === undefined
        ? new Set<string>()
        : grouping.kind === "by"
          ? new Set(grouping.labels)
          : operand.labels === null
            ? null
            : new Set([...operand.labels].filter((l) => !grouping.labels.includes(l)));
    if (valueLabel !== undefined && kept !== null) kept.add(valueLabel);
    return { type: "vector", labels: kept };
  }

  private call(name: string): Value {
    this.expect("(");
    const args: Value[] = [];
    const strings: string[] = [];
    while (!this.is(")")) {
      if (this.peek().kind === "string") strings.push(this.peek().text);
      args.push(this.expression(1));
      if (!this.is(")")) this.expect(",");
    }
    this.expect(")");
    if (scalarFunctions.has(name)) return scalar;
    // absent() makes its labels up from the selector's equality matchers: not worth modelling.
    if (name === "absent" || name === "absent_over_time") return anyVector;
    const input = args.find((a) => a.type === "vector");
    // vector(s), and the date functions called without an argument: one series, no labels.
    if (input === undefined || input.type !== "vector") return { type: "vector", labels: new Set() };
    if (name === "label_replace" || name === "label_join") {
      // label_replace(v, dst, replacement, src, regex); label_join(v, dst, separator, src...).
      const [dst, , ...rest] = strings;
      const sources = name === "label_replace" ? rest.slice(0, 1) : rest;
      this.require(
        sources.filter((s) => s !== ""),
        input,
        `${name} source`,
      );
      return {
        type: "vector",
        labels: input.labels === null || dst === undefined ? null : new Set([...input.labels, dst]),
      };
    }
    if (name === "histogram_quantile" && input.labels !== null) {
      this.require(["le"], input, name);
      return { type: "vector", labels: new Set([...input.labels].filter((l) => l !== "le")) };
    }
    return input;
  }

  private binary(
    op: string,
    left: Value,
    right: Value,
    returnBool: boolean,
    matching: { kind: "on" | "ignoring"; labels: string[] } | undefined,
    include: { side: "left" | "right"; labels: string[] } | undefined,
  ): Value {
    if (left.type !== "vector" && right.type !== "vector") return scalar;
    if (left.type !== "vector") return right;
    if (right.type !== "vector") return left;
    const clause = (what: string, labels: string[]) => `${op} ${what} (${labels.join(", ")})`;
    if (matching?.kind === "on") {
      this.require(matching.labels, left, clause("on", matching.labels));
      this.require(matching.labels, right, clause("on", matching.labels));
    } else if (matching?.kind === "ignoring" && left.labels !== null && right.labels !== null) {
      this.require(
        matching.labels,
        { type: "vector", labels: new Set([...left.labels, ...right.labels]) },
        clause("ignoring", matching.labels),
      );
    }
    if (include) {
      const other = include.side === "left" ? right : left;
      this.require(include.labels, other, clause(`group_${include.side}`, include.labels));
    }
    if (setOperators.has(op)) {
      if (op !== "or") return left;
      if (left.labels === null || right.labels === null) return anyVector;
      return { type: "vector", labels: new Set([...left.labels, ...right.labels]) };
    }
    const many = include?.side === "right" ? right : left;
    if (many.labels === null) return anyVector;
    if (include) return { type: "vector", labels: new Set([...many.labels, ...include.labels]) };
    // A filtering comparison returns the left-hand series as they are.
    if (comparisons.has(op) && !returnBool) return left;
    if (matching?.kind === "on") return { type: "vector", labels: new Set(matching.labels) };
    if (matching?.kind === "ignoring") {
      return { type: "vector", labels: new Set([...many.labels].filter((l) => !matching.labels.includes(l))) };
    }
    return left;
  }
}
