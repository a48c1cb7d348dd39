/**
 * `vrf-agent`: the daemon. Components start in order and stop in reverse: the pin root, the
 * datapath and reconciler (the core), the inventory watchers, the HTTP server. Every failure the
 * operator can act on is one line and an exit code. SIGTERM and SIGINT stop it cleanly (exit 0
 * once every component stopped, with a timer that forces the exit if a stop hangs); SIGHUP
 * re-reads the agent and web configs, and a bad one keeps the running one.
 */
import { daemonCapabilities, missingCapabilities, missingForDaemon } from "./capabilities.js";
import { type AgentConfig, defaultAgentConfig, loadAgentConfig } from "./config/agent-config.js";
import type { AgentOptions } from "./config/flags.js";
import { formatListenAddress } from "./config/listen-address.js";
import { emptyWebConfig, loadWebConfig, type WebConfig } from "./config/web-config.js";
import { type Core, startCore } from "./core.js";
import { type Listener, systemdListeners } from "./http/listeners.js";
import { HttpServer } from "./http/server.js";
import { listNamespaces, openInventory } from "./inventory/index.js";
import type { Logger } from "./log/logger.js";
import { metricFamilies } from "./metrics/registry.js";
import { NamespaceWatchers } from "./namespace-watchers.js";
import { loadNative } from "./native.js";
import { OperatorError, oneLine } from "./operator-error.js";
import { claimPinRoot, watchPins } from "./pin-root.js";
import { startupFields } from "./startup-line.js";
import { startTracing } from "./tracing/sdk.js";
import { version } from "./version.js";

/** Past this, a stop that hangs is cut short: a supervisor asked for the process to end. */
const forcedExitMs = 10_000;
/** How often the pins are looked for; removing them is an operator's mistake, not a race to win. */
const pinCheckMs = 10_000;

interface Stoppable {
  name: string;
  stop(): Promise<void> | void;
}

const loadConfigs = async (options: AgentOptions): Promise<{ config: AgentConfig; web: WebConfig }> => ({
  config: options.configFile ? await loadAgentConfig(options.configFile) : defaultAgentConfig,
  web: options.webConfigFile ? await loadWebConfig(options.webConfigFile) : emptyWebConfig(),
});

/** The hooks the agent runs with: the config file's, where a `--[no-]collector.FAMILY` flag given wins. */
const hooksOf = (options: AgentOptions, config: AgentConfig): AgentConfig["hooks"] => ({
  ...config.hooks,
  ...options.hookFamilies,
});

/** The named namespaces to inventory: listed afresh each time, so `--netns.all` follows them. */
const namespacesOf = (options: AgentOptions, config: AgentConfig) => async () => [
  ...(options.netns.all ? await listNamespaces() : options.netns.names),
  ...config.namespaces,
];

export async function serve(options: AgentOptions, log: Logger): Promise<number> {
  let { config, web } = await loadConfigs(options);
  // Each note is a setting not honoured or a file accepted but unsafe (a key anyone can read).
  for (const note of web.notes) log.warn(note, { component: "web" });
  const listeners: Listener[] = options.systemdSocket
    ? systemdListeners()
    : options.listenAddresses.map((address) => ({ kind: "address", address }));
  if (options.systemdSocket) log.info("listening on systemd activated listeners instead of port listeners");
  const missing = await missingCapabilities(daemonCapabilities);
  // The CLI prefixes "vrf-agent: ", so the message does not name the program again.
  if (missing.length > 0) throw new OperatorError(`${missingForDaemon(missing)}; \`vrf-agent check\` says more`);
  const addon = loadNative();

  const stack: Stoppable[] = [];
  let stopping: Promise<number> | undefined;
  const stop = (why: string, exitCode: number): Promise<number> => {
    stopping ??= (async () => {
      log.info("stopping", { reason: why });
      setTimeout(() => {
        log.error("stop took too long; exiting anyway", { after_ms: forcedExitMs });
        process.exit(1);
      }, forcedExitMs).unref();
      let code = exitCode;
      for (const component of stack.reverse()) {
        try {
          await component.stop();
        } catch (error) {
          code = 1;
          log.error("stop failed", { component: component.name, error: oneLine(error).message });
        }
      }
      log.info("stopped", { exit_code: code });
      return code;
    })();
    return stopping;
  };

  // A signal may come while the agent is still starting: what starts after it is stopped at once,
  // and the start goes no further, so nothing outlives the stop (legacy filters would).
  const aborted = new Error("start aborted by a stop");
  const started = async (component: Stoppable) => {
    if (!stopping) return void stack.push(component);
    await component.stop();
    throw aborted;
  };

  let running: { core: Core; watchers: NamespaceWatchers; http: HttpServer } | undefined;
  const reload = async () => {
    if (!running || stopping) return log.info("reload ignored: the agent is starting or stopping");
    try {
      const next = await loadConfigs(options);
      if (JSON.stringify(hooksOf(options, next.config)) !== JSON.stringify(hooksOf(options, config))) {
        log.warn("hooks settings take effect at the next start; the running hooks stay", { component: "config" });
      }
      running.http.updateWebConfig(next.web);
      running.core.state.expectedCross = next.config.expectedCrossVrf;
      await running.watchers.follow(namespacesOf(options, next.config));
      ({ config, web } = next);
      for (const note of web.notes) log.warn(note, { component: "web" });
      log.info("reloaded", { config_file: options.configFile ?? "", web_config_file: options.webConfigFile ?? "" });
    } catch (error) {
      log.error("reload failed; the running config stays", { error: oneLine(error).message });
    }
  };

  // Registered with `on`, for the agent's whole life: a `once` listener is gone when its signal
  // comes, and then execa's signal-exit, finding itself the last listener, re-raises the signal
  // and the process dies by it (exit 143) before the stop is done.
  const signalled = new Promise<number>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.on(signal, () => {
        if (stopping) log.info("already stopping", { signal });
        else resolve(stop(signal, 0));
      });
    }
    process.on("SIGHUP", () => void reload());
  });

  try {
    // First in, so last out: the spans of the whole stop are sent before the SDK shuts down.
    const tracing = startTracing(log.child({ component: "tracing" }));
    await started({ name: "tracing", stop: () => tracing.stop() });
    const pinRoot = await claimPinRoot(addon, options.bpfPinPath);
    await started({ name: "pin root", stop: () => pinRoot.release() });
    if (pinRoot.mounted) log.info(pinRoot.mounted, { component: "datapath" });

    const coreLog = log.child({ component: "datapath" });
    const own = await openInventory(addon, { netns: "" });
    await started({ name: "inventory of the agent's namespace", stop: () => own.stop() });
    const initial = own.current();
    const core: Core = await startCore(
      {
        addon,
        pinRoot: pinRoot.path,
        tcMode: config.hooks.tc,
        hooks: hooksOf(options, config),
        metrics: {
          exporterMetrics: options.exporterMetrics,
          families: new Set(metricFamilies.filter((family) => options.metricFamilies[family])),
        },
        expectedCross: config.expectedCrossVrf,
        log: (level, msg, fields) => coreLog.log(level, msg, fields),
      },
      initial,
    );
    await started({ name: "datapath", stop: () => core.stop() });
    log.info("datapath ready", startupFields(core, options, initial.vrfs.length));
    const pins = watchPins(pinRoot.path, pinCheckMs, (missing) => {
      core.state.pinsMissing = missing.length;
      if (missing.length > 0) {
        coreLog.error("pinned maps were removed while the agent runs: counting goes on, but a restart starts from 0", {
          missing: missing.join(","),
        });
      }
    });
    await started({ name: "pin watch", stop: () => pins.stop() });

    const watchers = new NamespaceWatchers(
      core,
      addon,
      log.child({ component: "inventory" }),
      own,
      namespacesOf(options, config),
    );
    // Registered first: a namespace that fails to start must not leave the ones before it running.
    await started({ name: "inventory", stop: () => watchers.stop() });
    await watchers.start();

    const http = new HttpServer({
      listeners,
      maxRequests: options.maxRequests,
      ...(options.webConfigFile !== undefined ? { webConfigFile: options.webConfigFile } : {}),
      telemetryPath: options.telemetryPath,
      web,
      metrics: () => core.metrics.render(),
      ready: () => core.datapath.status.some((s) => s.loaded),
      name: "vrf-agent",
      version,
      logger: log.child({ component: "http" }),
    });
    await http.start();
    await started({ name: "http", stop: () => http.stop() });
    running = { core, watchers, http };
    // As the operator wrote it, with the port bound (for :0); systemd's sockets by what they are bound to.
    const bound = http.addresses().map((address, i) => {
      const listener = listeners[i];
      return formatListenAddress(listener?.kind === "address" ? { ...listener.address, port: address.port } : address);
    });
    log.info("serving metrics", {
      address: bound[0],
      ...(bound.length > 1 ? { addresses: bound.join(",") } : {}),
      path: options.telemetryPath,
    });
  } catch (error) {
    if (error === aborted) return signalled;
    await stop("start failed", 1);
    throw error;
  }
  return signalled;
}
