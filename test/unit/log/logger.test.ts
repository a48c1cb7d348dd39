import { afterEach, describe, expect, it, vi } from "vitest";
import { type LogFormat, Logger, type LogLevel } from "../../../agent/log/logger.js";

const ts = "2025-01-02T03:04:05.678Z";

function capture(format: LogFormat, level: LogLevel = "debug") {
  const lines: string[] = [];
  const logger = new Logger({ level, format, write: (line) => lines.push(line), now: () => new Date(ts) });
  return { logger, lines };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the logger", () => {
  it("prints logfmt with ts, level, bound fields, msg, then the call's fields", () => {
    const { logger, lines } = capture("logfmt");
    logger.child({ component: "http" }).info("listening", { address: ":9852", tls: true, port: 9852 });
    expect(lines).toEqual([`ts=${ts} level=info component=http msg=listening address=:9852 tls=true port=9852\n`]);
  });

  it("prints the same record as one JSON object per line", () => {
    const { logger, lines } = capture("json");
    logger
      .child({ component: "datapath" })
      .warn("hook family not loaded", { family: "drops", err: new Error("EPERM") });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      ts,
      level: "warn",
      component: "datapath",
      msg: "hook family not loaded",
      family: "drops",
      err: "EPERM",
    });
  });

  it("drops records below its level and says so through enabled()", () => {
    const { logger, lines } = capture("logfmt", "warn");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines.map((line) => /level=(\w+)/.exec(line)?.[1])).toEqual(["warn", "error"]);
    expect([logger.enabled("info"), logger.enabled("warn"), logger.child({}).enabled("debug")]).toEqual([
      false,
      true,
      false,
    ]);
  });

  it("gives a child its own fields without changing the parent", () => {
    const { logger, lines } = capture("json");
    const netns = logger.child({ component: "inventory", netns: "red" });
    netns.child({ vrf: "red" }).info("a");
    logger.info("b");
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { ts, level: "info", component: "inventory", netns: "red", vrf: "red", msg: "a" },
      { ts, level: "info", msg: "b" },
    ]);
  });

  it("never lets a field replace ts, level or msg", () => {
    const { logger, lines } = capture("json");
    logger.child({ level: "error" }).info("real", { msg: "fake", ts: "then" });
    expect(JSON.parse(lines[0] ?? "")).toEqual({ ts, level: "info", msg: "real" });
  });

  it("keeps a record on one line whatever the values hold", () => {
    const { logger, lines } = capture("logfmt");
    logger.debug("libbpf: verifier log\nline two", {
      counter: 2n ** 64n - 1n,
      map: { vrf: 1, packets: 3n },
      quote: 'say "hi"',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.trimEnd()).not.toContain("\n");
    expect(lines[0]).toContain("counter=18446744073709551615");
    expect(lines[0]).toContain('map="{\\"vrf\\":1,\\"packets\\":\\"3\\"}"');
    expect(lines[0]).toContain('quote="say \\"hi\\""');
    expect(lines[0]).toContain('msg="libbpf: verifier log\\\\nline two"');
  });

  it("writes to stderr by default", () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    new Logger({ level: "info", format: "logfmt" }).error("boom");
    expect(write).toHaveBeenCalledWith(expect.stringMatching(/^ts=\S+ level=error msg=boom\n$/));
  });
});
