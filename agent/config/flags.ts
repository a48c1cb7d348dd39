/**
 * The daemon's flags, named and defaulted the way the Prometheus exporters name theirs
 * (`--web.listen-address`, `--log.level`, ...), parsed into one typed options object.
 * Parsing never exits or prints: the CLI that wires subcommands decides what to do with the result.
 */
import { isAbsolute } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { type LogFormat, type LogLevel, logFormats, logLevels } from "../log/logger.js";
import { type MetricFamily, metricFamilies } from "../metrics/registry.js";
import { type ListenAddress, parseListenAddress } from "./listen-address.js";

/**
 * 9852 is NOT verified as free. Prometheus' "default port allocations" wiki page reserves 9100-9999 for
 * exporters, and the copy of that page this was checked against stops at 9637 while the range was
 * reported as fully allocated in 2023, so no port in it could be confirmed unallocated. 9852 must be
 * checked against the live page and, if taken, replaced by a fresh entry claimed on that page.
 */
export const defaultPort = 9852;

export type NetnsSelection =
  /** `--netns.all`: every named namespace (`ip netns list`), found again as they come and go. */
  | { all: true }
  /** `--netns NAME...`: these named namespaces; none means only the agent's own namespace. */
  | { all: false; names: string[] };

/** The hook families an operator may turn off (traffic is the agent's reason to run). */
export const optionalHookFamilies = ["drops", "unreachable"] as const;
export type OptionalHookFamily = (typeof optionalHookFamilies)[number];

export interface AgentOptions {
  /** Every `--web.listen-address` given, or the one default. */
  listenAddresses: ListenAddress[];
  /** `--web.systemd-socket`: serve on the sockets systemd passes instead. */
  systemdSocket: boolean;
  telemetryPath: string;
  webConfigFile?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  configFile?: string;
  bpfPinPath: string;
  netns: NetnsSelection;
  /** `--web.max-requests`: scrapes rendered at once, 0 for no limit. */
  maxRequests: number;
  /** `--web.disable-exporter-metrics`: no process_* and nodejs_* series. */
  exporterMetrics: boolean;
  /** `--[no-]collector.NAME` of the metric families; each is on unless turned off. */
  metricFamilies: Record<MetricFamily, boolean>;
  /**
   * `--[no-]collector.drops` and `--[no-]collector.unreachable` where given: a flag given wins over
   * the config file's hooks.drops / hooks.unreachable, a flag not given leaves the file's setting.
   */
  hookFamilies: Partial<Record<OptionalHookFamily, boolean>>;
}

const defaultListenAddresses: ListenAddress[] = [{ port: defaultPort }];

export type FlagsResult =
  | { kind: "run"; options: AgentOptions }
  /** `--help` or `--version`: the text belongs on stdout and the exit code is 0. */
  | { kind: "help" | "version"; text: string }
  /** A one-line usage error for stderr (exit code 2 by the Go exporters' convention). */
  | { kind: "error"; message: string };

export interface ProgramInfo {
  name: string;
  /** What `--version` prints (agent/version.ts words it). */
  versionText: string;
}

/** Parses the user's arguments (`process.argv.slice(2)`), never throwing for bad input. */
export function parseFlags(
  argv: readonly string[],
  program: ProgramInfo = { name: "vrf-agent", versionText: "" },
): FlagsResult {
  let output = "";
  // A fresh Command each call: commander keeps parsed values on the instance.
  const command = new Command(program.name)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        output += text;
      },
      writeErr: () => {},
    })
    .configureHelp({ helpWidth: 100 })
    .version(program.versionText.trimEnd(), "--version", "print the version and build details, and exit")
    .addOption(
      new Option(
        "--web.listen-address <address>",
        "Addresses on which to expose metrics and web interface. Repeatable for multiple addresses. Examples: :9852, 127.0.0.1:9852 or [::1]:9852; :9852@mgmt binds it to the VRF mgmt",
      )
        .default(defaultListenAddresses, `:${defaultPort}`)
        // Given once, the default is replaced; given again, added to.
        .argParser((value: string, previous: ListenAddress[]) => [
          ...(previous === defaultListenAddresses ? [] : previous),
          checked(parseListenAddress)(value),
        ]),
    )
    .addOption(
      new Option(
        "--web.systemd-socket",
        "Use systemd socket activation listeners instead of port listeners (Linux only).",
      ).conflicts("web.listenAddress"),
    )
    .addOption(
      new Option("--web.telemetry-path <path>", "path under which metrics are served")
        .default("/metrics")
        .argParser(checked(telemetryPath)),
    )
    .addOption(
      new Option("--web.config.file <file>", "exporter-toolkit web config file (TLS, basic auth, headers)").argParser(
        checked(nonEmpty),
      ),
    )
    .addOption(
      new Option("--log.level <level>", "only log messages of this level or above").choices(logLevels).default("info"),
    )
    .addOption(new Option("--log.format <format>", "log line format").choices(logFormats).default("logfmt"))
    .addOption(new Option("--config.file <file>", "YAML agent config file").argParser(checked(nonEmpty)))
    .addOption(
      new Option("--bpf.pin-path <dir>", "bpffs folder where the agent pins its maps")
        .default("/sys/fs/bpf/vrf-agent")
        .argParser(checked(absolutePath)),
    )
    .addOption(
      new Option("--netns <name>", "named network namespace to inventory too (repeatable)")
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), checked(netnsName)(value)])
        .conflicts("netns.all"),
    )
    .addOption(new Option("--netns.all", "inventory every named network namespace"))
    .addOption(
      new Option("--web.max-requests <n>", "Maximum number of parallel scrape requests. Use 0 to disable.")
        .default(40)
        .argParser(checked(count)),
    )
    .addOption(
      new Option("--web.disable-exporter-metrics", "Exclude metrics about the exporter itself (process_*, nodejs_*)."),
    );
  for (const family of metricFamilies) {
    command
      .addOption(new Option(`--collector.${family}`, `Enable the ${family} collector (default: enabled).`))
      .addOption(new Option(`--no-collector.${family}`, `Disable the ${family} collector.`));
  }
  for (const family of optionalHookFamilies) {
    command
      .addOption(
        new Option(
          `--collector.${family}`,
          `Enable the ${family} hooks (default: enabled, or the config file's hooks.${family}).`,
        ),
      )
      .addOption(new Option(`--no-collector.${family}`, `Disable the ${family} hooks: not loaded at all.`));
  }

  try {
    command.parse(argv as string[], { from: "user" });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed") return { kind: "help", text: output };
    if (code === "commander.version") return { kind: "version", text: output };
    const message = error instanceof Error ? error.message : String(error);
    // commander puts its "(Did you mean ...?)" on a line of its own.
    return { kind: "error", message: message.replace(/^error: /, "").replace(/\n/g, " ") };
  }

  // Keys keep the dots of the flag names; commander only camel-cases the dashes.
  const values = command.opts() as {
    "web.listenAddress": ListenAddress[];
    "web.systemdSocket"?: boolean;
    "web.telemetryPath": string;
    "web.config.file"?: string;
    "log.level": LogLevel;
    "log.format": LogFormat;
    "config.file"?: string;
    "bpf.pinPath": string;
    netns?: string[];
    "netns.all"?: boolean;
    "web.disableExporterMetrics"?: boolean;
    "web.maxRequests": number;
  } & Record<`collector.${MetricFamily | OptionalHookFamily}`, boolean | undefined>;
  const options: AgentOptions = {
    // A copy: the default array is shared by every parse.
    listenAddresses: [...values["web.listenAddress"]],
    systemdSocket: values["web.systemdSocket"] ?? false,
    telemetryPath: values["web.telemetryPath"],
    logLevel: values["log.level"],
    logFormat: values["log.format"],
    bpfPinPath: values["bpf.pinPath"],
    netns: values["netns.all"] ? { all: true } : { all: false, names: [...new Set(values.netns ?? [])] },
    maxRequests: values["web.maxRequests"],
    exporterMetrics: !values["web.disableExporterMetrics"],
    metricFamilies: Object.fromEntries(
      metricFamilies.map((family) => [family, values[`collector.${family}`] ?? true]),
    ) as Record<MetricFamily, boolean>,
    hookFamilies: {},
  };
  for (const family of optionalHookFamilies) {
    const given = values[`collector.${family}`];
    if (given !== undefined) options.hookFamilies[family] = given;
  }
  if (values["web.config.file"] !== undefined) options.webConfigFile = values["web.config.file"];
  if (values["config.file"] !== undefined) options.configFile = values["config.file"];
  return { kind: "run", options };
}

/** Turns a validator's Error into the kind commander reports as "argument 'x' is invalid. <why>". */
function checked<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

function count(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new Error("it must be a whole number, 0 or more");
  return Number(value);
}

function nonEmpty(value: string): string {
  if (value === "") throw new Error("it is empty");
  return value;
}

function telemetryPath(value: string): string {
  if (!value.startsWith("/")) throw new Error("it must start with /");
  if (/[\s?#]/.test(value)) throw new Error("it must not contain spaces, ? or #");
  // "/" is the landing page and "/-/" holds the health endpoints.
  if (value === "/" || value.startsWith("/-/")) throw new Error(`"${value}" is reserved`);
  return value;
}

function absolutePath(value: string): string {
  if (!isAbsolute(value)) throw new Error("it must be an absolute path");
  return value;
}

// The rules `ip netns` applies: the name is a file under /run/netns.
function netnsName(value: string): string {
  if (value === "" || value === "." || value === ".." || value.includes("/")) {
    throw new Error("not a namespace name (names cannot be empty, . or .., nor contain /)");
  }
  return value;
}
