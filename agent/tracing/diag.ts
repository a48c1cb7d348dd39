/**
 * The SDK's own diagnostics (a failed export, a bad OTEL_* value) go to the agent's logger, never
 * to stdout, and each distinct one once: a collector that stays down fails every export, and the
 * log must not fill with the same line every few seconds.
 */
import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";
import type { Logger } from "../log/logger.js";

/** Enough to tell the causes apart; past it the rest are counted, not logged. */
const maxDistinct = 10;

export function routeDiagnostics(log: Logger): void {
  const seen = new Set<string>();
  const forward =
    (level: "warn" | "error") =>
    (message: string, ...args: unknown[]): void => {
      const text = [message, ...args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg)))]
        .join(" ")
        .slice(0, 500);
      if (seen.has(text) || seen.size > maxDistinct) return;
      seen.add(text);
      if (seen.size > maxDistinct) log.warn("further OpenTelemetry errors are not logged");
      else log[level]("OpenTelemetry", { error: text });
    };
  const quiet = () => {};
  const logger: DiagLogger = {
    error: forward("error"),
    warn: forward("warn"),
    info: quiet,
    debug: quiet,
    verbose: quiet,
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
