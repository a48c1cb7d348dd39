/**
 * Every metric family collects through here: a family that throws emits nothing this scrape and
 * says so in vrf_agent_collector_success{collector} = 0, and the scrape goes on without it.
 */
import { SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("vrf-agent");

export interface CollectorOutcome {
  success: boolean;
  seconds: number;
}

export class CollectorRuns {
  readonly outcomes = new Map<string, CollectorOutcome>();

  constructor(private readonly onError: (collector: string, error: unknown) => void) {}

  /** Runs one family's collection; reset() clears its metrics first so vanished series vanish. */
  run(collector: string, reset: () => void, collect: () => void): void {
    tracer.startActiveSpan("collect", { attributes: { "vrf_agent.collector": collector } }, (span) => {
      const started = performance.now();
      reset();
      try {
        collect();
        this.outcomes.set(collector, { success: true, seconds: (performance.now() - started) / 1000 });
      } catch (error) {
        reset();
        this.outcomes.set(collector, { success: false, seconds: (performance.now() - started) / 1000 });
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        this.onError(collector, error);
      } finally {
        span.end();
      }
    });
  }
}
