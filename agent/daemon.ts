/**
 * `vrf-agent`: the daemon. Components start in order and stop in reverse: datapath and
 * reconciler (the core), inventory watchers, the HTTP server. Every failure the operator can
 * act on is one line and an exit code; SIGTERM and SIGINT stop it cleanly, with a timer that
 * forces the exit if a stop hangs.
 */
import { mkdir } from "node:fs/promises";
import { type AgentConfig, defaultAgentConfig, loadAgentConfig } from "./config/agent-config.js";
import type { AgentOptions } from "./config/flags.js";
import { emptyWebConfig, loadWebConfig } from "./config/web-config.js";
import { type Core, startCore } from "./core.js";
import { HttpServer } from "./http/server.js";
import { listNamespaces, readInventory, watchInventory } from "./inventory/index.js";
import type { Inventory } from "./inventory/types.js";
import type { Logger } from "./log/logger.js";
import { loadNative } from "./native.js";
import { OperatorError } from "./operator-error.js";
import { version } from "./version.js";

/** Past this, a stop that hangs is cut short: a supervisor asked for the process to end. */
const forcedExitMs = 10_000;

interface Stoppable {
  name: string;
  stop(): Promise<void> | void;
}

/** Re-reads a namespace's inventory on every change, one read at a time; a burst costs one more read. */
function refresher(
  netns: string,
  apply: (inventory: Inventory, seconds: number) => void,
  log: Logger,
  failed: () => void,
) {
  let running: Promise<void> | undefined;
  let again = false;
  const once = async () => {
    const started = performance.now();
    try {
      apply(await readInventory(netns ? { netns } : {}), (performance.now() - started) / 1000);
    } catch (error) {
      failed();
      log.warn("inventory refresh failed", { netns, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await once();
      } while (again);
      running = undefined;
    })();
  };
}

export async function serve(options: AgentOptions, log: Logger): Promise<number> {
  const config: AgentConfig = options.configFile ? await loadAgentConfig(options.configFile) : defaultAgentConfig;
  const web = options.webConfigFile ? await loadWebConfig(options.webConfigFile) : emptyWebConfig();
  for (const note of web.notes) log.info(note, { component: "web" });
  if (process.geteuid?.() !== 0) {
    throw new OperatorError(
      // The CLI prefixes "vrf-agent: ", so the message does not name the program again.
      "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON): run it with sudo; `vrf-agent check` says more",
    );
  }
  let addon: ReturnType<typeof loadNative>;
  try {
    addon = loadNative();
  } catch (error) {
    throw new OperatorError(error instanceof Error ? error.message : String(error));
  }
  await mkdir(options.bpfPinPath, { recursive: true }).catch((error: Error) => {
    throw new OperatorError(
      `cannot use ${options.bpfPinPath} for pinned counters: ${error.message} (is bpffs mounted at /sys/fs/bpf?)`,
    );
  });

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
          log.error("stop failed", { component: component.name, error: String(error) });
        }
      }
      return code;
    })();
    return stopping;
  };
  const signalled = new Promise<number>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => resolve(stop(signal, 0)));
  });

  try {
    const coreLog = log.child({ component: "datapath" });
    const readStarted = performance.now();
    const initial = await readInventory({});
    const core: Core = await startCore(
      {
        addon,
        pinRoot: options.bpfPinPath,
        tcMode: config.hooks.tc,
        expectedCross: config.expectedCrossVrf,
        log: (level, msg, fields) => coreLog.log(level, msg, fields),
      },
      initial,
      (performance.now() - readStarted) / 1000,
    );
    stack.push({ name: "datapath", stop: () => core.stop() });
    log.info("datapath ready", {
      vrfs: initial.vrfs.length,
      families: core.datapath.status.map((s) => `${s.family}=${s.loaded ? "loaded" : "unavailable"}`).join(","),
    });

    // --netns.all takes the namespaces there are at start; one created later needs a restart.
    const named = options.netns.all ? await listNamespaces() : options.netns.names;
    const namespaces = ["", ...named, ...config.namespaces];
    for (const netns of new Set(namespaces)) {
      const apply =
        netns === "" ? core.apply : (inventory: Inventory, seconds: number) => core.state.updated(inventory, seconds);
      const refresh = refresher(netns, apply, log.child({ component: "inventory" }), () => core.state.refreshFailed());
      if (netns !== "") refresh();
      const watcher = watchInventory({
        ...(netns ? { netns } : {}),
        onChange: refresh,
        onError: (error) => log.warn("ip monitor failed; restarting it", { netns, error: error.message }),
      });
      stack.push({ name: `inventory ${netns || "(own namespace)"}`, stop: () => watcher.stop() });
    }

    const http = new HttpServer({
      listen: options.listenAddress,
      telemetryPath: options.telemetryPath,
      web,
      metrics: () => core.metrics.render(),
      ready: () => core.datapath.status.some((s) => s.loaded),
      name: "vrf-agent",
      version,
      logger: log.child({ component: "http" }),
    });
    await http.start();
    stack.push({ name: "http", stop: () => http.stop() });
    log.info("serving metrics", {
      address: `${options.listenAddress.host ?? ""}:${http.address().port}`,
      path: options.telemetryPath,
    });
  } catch (error) {
    await stop("start failed", 1);
    throw error;
  }
  return signalled;
}
