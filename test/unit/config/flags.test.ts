import { describe, expect, it } from "vitest";
import { type AgentOptions, defaultPort, parseFlags } from "../../../agent/config/flags.js";
import { formatListenAddress, parseListenAddress } from "../../../agent/config/listen-address.js";

const defaults: AgentOptions = {
  listenAddresses: [{ port: defaultPort }],
  systemdSocket: false,
  telemetryPath: "/metrics",
  logLevel: "info",
  logFormat: "logfmt",
  bpfPinPath: "/sys/fs/bpf/vrf-agent",
  netns: { all: false, names: [] },
  maxRequests: 40,
  exporterMetrics: true,
  metricFamilies: { inventory: true, datapath: true, agent: true },
  hookFamilies: {},
};

function options(argv: string[]): AgentOptions {
  const result = parseFlags(argv);
  if (result.kind !== "run") throw new Error(`expected options, got ${JSON.stringify(result)}`);
  return result.options;
}

function usageError(argv: string[]): string {
  const result = parseFlags(argv);
  if (result.kind !== "error") throw new Error(`expected a usage error, got ${JSON.stringify(result)}`);
  return result.message;
}

describe("parseFlags", () => {
  it("defaults every flag the way the exporters do", () => {
    expect(options([])).toEqual(defaults);
  });

  it.each<[string[], Partial<AgentOptions>]>([
    [["--web.listen-address=127.0.0.1:9100"], { listenAddresses: [{ host: "127.0.0.1", port: 9100 }] }],
    [["--web.listen-address", "[::1]:0"], { listenAddresses: [{ host: "::1", port: 0 }] }],
    [["--web.listen-address", "localhost:8080"], { listenAddresses: [{ host: "localhost", port: 8080 }] }],
    [["--web.listen-address", ":9999"], { listenAddresses: [{ port: 9999 }] }],
    [["--web.telemetry-path", "/vrf/metrics"], { telemetryPath: "/vrf/metrics" }],
    [["--web.config.file", "web.yml"], { webConfigFile: "web.yml" }],
    [["--config.file=/etc/vrf-agent.yml"], { configFile: "/etc/vrf-agent.yml" }],
    [["--log.level", "debug", "--log.format", "json"], { logLevel: "debug", logFormat: "json" }],
    [["--bpf.pin-path", "/sys/fs/bpf/other"], { bpfPinPath: "/sys/fs/bpf/other" }],
    [
      ["--netns", "red-ns", "--netns", "blue-ns", "--netns", "red-ns"],
      { netns: { all: false, names: ["red-ns", "blue-ns"] } },
    ],
    [["--netns.all"], { netns: { all: true } }],
    [["--web.disable-exporter-metrics"], { exporterMetrics: false }],
    [
      ["--web.listen-address=127.0.0.1:9100", "--web.listen-address", "[::1]:9101"],
      {
        listenAddresses: [
          { host: "127.0.0.1", port: 9100 },
          { host: "::1", port: 9101 },
        ],
      },
    ],
    [["--web.systemd-socket"], { systemdSocket: true }],
    [["--web.max-requests=0"], { maxRequests: 0 }],
    [["--web.max-requests", "3"], { maxRequests: 3 }],
    [
      ["--no-collector.inventory", "--no-collector.agent", "--collector.datapath"],
      { metricFamilies: { inventory: false, datapath: true, agent: false } },
    ],
    [["--collector.drops", "--no-collector.unreachable"], { hookFamilies: { drops: true, unreachable: false } }],
    [["--no-collector.drops"], { hookFamilies: { drops: false } }],
  ])("parses %j", (argv, expected) => {
    expect(options(argv)).toEqual({ ...defaults, ...expected });
  });

  it.each<[string[], RegExp]>([
    [["--web.listen-address", "9852"], /has no port/],
    [["--web.listen-address", "::1:9852"], /needs brackets, as in \[::1\]:9852/],
    [["--web.listen-address", "[::1]"], /"\[::1\]" has no port/],
    [["--web.listen-address", "[::1:80"], /is not a bracketed IPv6 address/],
    [["--web.listen-address", "[::1]80"], /has no port/],
    [["--web.listen-address", "[nope]:80"], /"\[nope\]" is not a bracketed IPv6 address/],
    [["--web.listen-address", "host:http"], /port "http" is not a number/],
    [["--web.listen-address", ":65536"], /port 65536 is out of range/],
    [["--web.listen-address", "999.1.1.1:80"], /not a valid host name or IP address/],
    [["--web.listen-address", "bad host:80"], /not a valid host name or IP address/],
    [["--web.telemetry-path", "metrics"], /must start with \//],
    [["--web.telemetry-path", "/"], /reserved/],
    [["--web.telemetry-path", "/-/healthy"], /reserved/],
    [["--log.level", "trace"], /Allowed choices are debug, info, warn, error/],
    [["--log.format", "text"], /Allowed choices are logfmt, json/],
    [["--bpf.pin-path", "relative/dir"], /absolute path/],
    [["--netns", "a/b"], /not a namespace name/],
    [["--netns", "red", "--netns.all"], /cannot be used with/],
    [
      ["--web.systemd-socket", "--web.listen-address=:9100"],
      /option '--web.systemd-socket' cannot be used with option '--web.listen-address/,
    ],
    [["--config.file", ""], /it is empty/],
    [["--web.max-requests", "-1"], /it must be a whole number, 0 or more/],
    [["--no-such-flag"], /unknown option '--no-such-flag'/],
    [["--web.listen-adres", ":9852"], /unknown option '--web\.listen-adres' \(Did you mean --web\.listen-address\?\)$/],
    [["stray"], /too many arguments/],
    [["--web.listen-address"], /argument missing/],
  ])("rejects %j in one line", (argv, pattern) => {
    const message = usageError(argv);
    expect(message).toMatch(pattern);
    expect(message).not.toContain("\n");
    expect(message).not.toMatch(/^error:/);
  });

  it("answers --help and --version with text instead of printing or exiting", () => {
    const help = parseFlags(["--help"]);
    expect(help.kind).toBe("help");
    expect(help.kind === "help" && help.text).toContain("--web.listen-address <address>");
    expect(help.kind === "help" && help.text).toContain(`(default: :${defaultPort})`);
    expect(parseFlags(["--version"], { name: "vrf-agent", versionText: "vrf-agent, version 1.2.3\n  a: b\n" })).toEqual(
      {
        kind: "version",
        text: "vrf-agent, version 1.2.3\n  a: b\n",
      },
    );
  });

  it("keeps no state between calls", () => {
    expect(options(["--netns", "a"]).netns).toEqual({ all: false, names: ["a"] });
    expect(options(["--netns", "b"]).netns).toEqual({ all: false, names: ["b"] });
  });
});

describe("listen addresses", () => {
  it.each([":9852", "127.0.0.1:9852", "[::1]:9852", "[fe80::1]:1", "node-1.example:80"])("round-trips %s", (text) => {
    expect(formatListenAddress(parseListenAddress(text))).toBe(text);
  });
});
