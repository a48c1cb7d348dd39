/**
 * Starts the OpenTelemetry SDK when the OTEL_* environment asks for it (env.ts), so that the
 * spans the agent's modules make through @opentelemetry/api are exported over OTLP/HTTP. The
 * exporters read the rest of the standard variables themselves (headers, timeout, compression,
 * certificates), the provider reads OTEL_TRACES_SAMPLER and the batch processor OTEL_BSP_*.
 */
import { context, diag, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { Logger } from "../log/logger.js";
import { version } from "../version.js";
import { routeDiagnostics } from "./diag.js";
import { tracingPlan } from "./env.js";

/**
 * How long a stop waits for the last spans. Well under the daemon's forced exit, so a collector
 * that is down delays the stop by this much at most and never makes it look hung.
 */
const stopBudgetMs = 3_000;

export interface Tracing {
  /** Whether an exporter was made: false unless an OTEL_* endpoint is set. */
  readonly exporting: boolean;
  /** Sends what is queued (within a bounded time) and unregisters the SDK. Never throws. */
  stop(): Promise<void>;
}

/** Reads process.env, as the SDK's own parts do: one environment decides everything. */
export function startTracing(log: Logger): Tracing {
  const plan = tracingPlan(process.env);
  if (plan.kind === "off") {
    log.debug("tracing off", { reason: plan.reason });
    return { exporting: false, stop: async () => {} };
  }
  if (plan.kind === "unsupported") {
    log.warn(`tracing off: ${plan.message}`);
    return { exporting: false, stop: async () => {} };
  }
  routeDiagnostics(log);
  // The URL is the one just logged, so the log says where spans go.
  const exporter =
    plan.protocol === "http/json" ? new JsonExporter({ url: plan.url }) : new ProtobufExporter({ url: plan.url });
  const provider = new BasicTracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (envDetector) override the agent's defaults.
    resource: defaultResource()
      .merge(resourceFromAttributes({ "service.name": "vrf-agent", "service.version": version }))
      .merge(detectResources({ detectors: [hostDetector, envDetector] })),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  trace.setGlobalTracerProvider(provider);
  // Without a context manager every span would be a root, and "attach" would lose its "reconcile".
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  log.info("tracing", { url: plan.url, protocol: plan.protocol });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), stopBudgetMs).unref();
      });
      const outcome = await Promise.race([provider.shutdown().then(() => "done" as const), late]).catch(
        (error: unknown) => error,
      );
      clearTimeout(timer);
      if (outcome === "late") log.warn("tracing: the last spans were not sent in time", { after_ms: stopBudgetMs });
      else if (outcome !== "done") log.warn("tracing: the last spans were not sent", { error: String(outcome) });
      trace.disable();
      context.disable();
      diag.disable();
    })();
    return stopping;
  };
  return { exporting: true, stop };
}
