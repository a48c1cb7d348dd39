/**
 * The agent without its I/O edges: datapath, reconciler, state and metrics, built in one place
 * for the daemon and for the tests that drive it with inventories of their own.
 */
import { release } from "node:os";
import { bpfObjectsDir } from "./artifacts.js";
import { Datapath, explainLoadFailure, hookFamilies, type TcMode } from "./datapath/datapath.js";
import { dropReasonNames } from "./datapath/drop-reasons.js";
import type { Inventory } from "./inventory/types.js";
import { createMetrics, type Metrics, type MetricsOptions } from "./metrics/registry.js";
import type { NativeAddon } from "./native.js";
import { OperatorError } from "./operator-error.js";
import { type ReconcileOutcome, Reconciler } from "./reconcile/reconciler.js";
import { AgentState } from "./state.js";
import { version } from "./version.js";

export type CoreLog = (
  level: "debug" | "info" | "warn" | "error",
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface CoreOptions {
  addon: NativeAddon;
  pinRoot: string;
  tcMode: TcMode;
  expectedCross: readonly { from: string; to: string }[];
  log: CoreLog;
  objectsDir?: string;
  /** The config's hooks.drops and hooks.unreachable: a family turned off is not loaded at all. Default: both on. */
  hooks?: { drops: boolean; unreachable: boolean };
  /** max_entries overrides by map name (DatapathOptions.maxEntries). */
  maxEntries?: Readonly<Record<string, number>>;
  /** Which metric families are registered, and whether process_* / nodejs_* are; default: all. */
  metrics?: Readonly<MetricsOptions>;
}

export interface Core {
  datapath: Datapath;
  reconciler: Reconciler;
  state: AgentState;
  metrics: Metrics;
  /** Takes a fresh inventory: records it and brings the datapath in step. */
  apply(inventory: Inventory): ReconcileOutcome;
  /** Detaches what this agent attached; pinned counters and slots stay for the next start. */
  stop(): void;
}

export async function startCore(options: CoreOptions, initial: Inventory): Promise<Core> {
  const { addon, log } = options;
  // libbpf's own lines are detail (its hints can mislead, e.g. "raise ulimit -l" for a refused
  // fentry); what failed is said once below, in words an operator can act on.
  addon.setLogger((_level, message) => log("debug", message.trimEnd(), { component: "libbpf" }));
  const datapath = new Datapath(addon, {
    objectsDir: options.objectsDir ?? bpfObjectsDir,
    pinRoot: options.pinRoot,
    families: hookFamilies.filter((family) => family === "traffic" || (options.hooks?.[family] ?? true)),
    ...(options.maxEntries && { maxEntries: options.maxEntries }),
  });
  datapath.start();
  if (!datapath.status.some((status) => status.loaded)) {
    datapath.close();
    const why = datapath.status.map((s) => `${s.family}: ${explainLoadFailure(s.family, s.error ?? "")}`);
    throw new OperatorError(`no hook family could load (${why.join("; ")})`);
  }
  for (const status of datapath.status) {
    if (status.disabled) log("info", `${status.family} hooks ${status.error}`);
    else if (!status.loaded)
      log("warn", `${status.family} hooks unavailable: ${explainLoadFailure(status.family, status.error ?? "")}`);
  }
  const legacy = options.tcMode === "legacy" || (options.tcMode === "auto" && !addon.tcxSupported());
  const reconciler = new Reconciler(datapath, { tcMode: options.tcMode, legacy, log });
  await reconciler.start(initial);
  const facts = { version, kernel: release(), libbpf: addon.libbpfVersion(), attachMode: legacy ? "legacy" : "tcx" };
  const state = new AgentState(facts, datapath, reconciler, dropReasonNames(addon), options.expectedCross);
  const metrics = createMetrics(
    state,
    (collector, error) =>
      log("warn", "collector failed", { collector, error: error instanceof Error ? error.message : String(error) }),
    options.metrics,
  );
  const apply = (inventory: Inventory) => {
    state.updated(inventory);
    return reconciler.apply(inventory);
  };
  apply(initial);
  return {
    datapath,
    reconciler,
    state,
    metrics,
    apply,
    stop() {
      reconciler.stop();
      datapath.close();
      addon.setLogger(null);
    },
  };
}
