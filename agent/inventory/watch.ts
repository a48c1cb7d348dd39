/**
 * Change-driven inventory: a long-lived `ip monitor` whose every line means "something about
 * links, addresses, routes or rules changed", debounced into one onChange, plus a periodic
 * resync for whatever a monitor cannot see (sysctls) or missed. The monitor is supervised:
 * when it dies it is reported and restarted after a delay that grows up to a bound.
 */
import { execa } from "execa";
import { debounce } from "./debounce.js";
import { InventoryError } from "./errors.js";
import { commandLine, notInstalled } from "./run.js";

export interface WatchOptions {
  /** A named network namespace; absent for the agent's own. */
  netns?: string;
  /** Quiet time after the last change before onChange (default 100 ms). */
  debounceMs?: number;
  /** onChange at least this often even without changes (default 30 s). */
  resyncMs?: number;
  onChange: () => void;
  onError: (error: Error) => void;
  /** The ip program (default `ip` from PATH). */
  ip?: string;
}

export interface InventoryWatch {
  /** Kills the monitor and stops every timer; safe to call twice. */
  stop(): Promise<void>;
}

const monitored = ["link", "address", "route", "rule"];

const restart = {
  firstDelayMs: 200,
  maxDelayMs: 5_000,
  /** A monitor that ran this long was healthy: the next failure starts the delays over. */
  healthyAfterMs: 30_000,
};

/** Under a burst that never pauses, onChange still comes this often. */
const maxWaitMs = (debounceMs: number) => Math.max(1_000, 10 * debounceMs);

const startMonitor = (ip: string, args: string[]) =>
  // stdout is never buffered: the monitor runs for the agent's lifetime and only its arrival matters.
  execa(ip, args, { stdin: "ignore", buffer: { stdout: false }, maxBuffer: { stderr: 64 * 1024 }, reject: false });
type Monitor = ReturnType<typeof startMonitor>;
type MonitorResult = Awaited<Monitor>;

function describeExit(ip: string, args: string[], result: MonitorResult): string {
  if (result.code === "ENOENT") return `${notInstalled(ip)}: cannot watch for changes`;
  const line = commandLine(ip, args);
  const stderr = typeof result.stderr === "string" ? result.stderr.trim() : "";
  const how = result.signal !== undefined ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  return `${line} ${how}${stderr === "" ? "" : `: ${stderr}`}`;
}

export function watchInventory(options: WatchOptions): InventoryWatch {
  const ip = options.ip ?? "ip";
  const args = [...(options.netns ? ["-n", options.netns] : []), "monitor", ...monitored];
  const debounceMs = options.debounceMs ?? 100;
  let stopped = false;
  let monitor: Monitor | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const report = (error: unknown) => {
    try {
      options.onError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // The caller's error handler failing leaves nobody to tell; the watch goes on.
    }
  };
  const changed = debounce(
    () => {
      try {
        options.onChange();
      } catch (error) {
        report(error);
      }
    },
    debounceMs,
    maxWaitMs(debounceMs),
  );
  const resync = setInterval(() => changed.notify(), options.resyncMs ?? 30_000);

  const start = (afterFailure: boolean) => {
    if (stopped) return;
    const startedAt = performance.now();
    const current = startMonitor(ip, args);
    monitor = current;
    current.stdout.on("data", () => changed.notify());
    // Whatever changed while no monitor was running would otherwise go unnoticed until the resync.
    if (afterFailure) changed.notify();
    void current.then((result) => {
      if (stopped) return;
      monitor = undefined;
      if (performance.now() - startedAt >= restart.healthyAfterMs) failures = 0;
      report(new InventoryError(describeExit(ip, args, result)));
      const delay = Math.min(restart.maxDelayMs, restart.firstDelayMs * 2 ** failures);
      failures += 1;
      restartTimer = setTimeout(() => start(true), delay);
    });
  };
  start(false);

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(resync);
        clearTimeout(restartTimer);
        changed.cancel();
        if (monitor !== undefined) {
          monitor.kill();
          await monitor;
        }
      })();
      return stopping;
    },
  };
}
