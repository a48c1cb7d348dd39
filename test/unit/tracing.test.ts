/**
 * What the OTEL_* environment turns on (agent/tracing/env.ts), that nothing at all is registered
 * without an endpoint, and that a collector that is down costs a bounded stop and one log line.
 * The spans themselves, decoded at a receiver, are proven in test/bpf/tracing-otlp.test.ts.
 */
import { createServer } from "node:net";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Logger } from "../../agent/log/logger.js";
import { tracingPlan } from "../../agent/tracing/env.js";
import { startTracing } from "../../agent/tracing/sdk.js";
import { otlpReceiver } from "../support/otlp-receiver.js";

const endpoint = "http://collector:4318";

describe("tracingPlan", () => {
  it("is off without an endpoint, whatever else is set", () => {
    expect(tracingPlan({})).toEqual({ kind: "off", reason: "no OTEL_EXPORTER_OTLP_ENDPOINT" });
    expect(
      tracingPlan({
        OTEL_SERVICE_NAME: "x",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_ENDPOINT: " ",
      }),
    ).toMatchObject({ kind: "off" });
  });

  it("is off when OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none says so", () => {
    expect(tracingPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: "TRUE" })).toMatchObject({
      kind: "off",
    });
    expect(tracingPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: "none" })).toMatchObject({
      kind: "off",
    });
  });

  it("appends /v1/traces to the general endpoint and takes the traces endpoint as given", () => {
    expect(tracingPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: `${endpoint}/` })).toEqual({
      kind: "otlp",
      protocol: "http/protobuf",
      url: `${endpoint}/v1/traces`,
    });
    expect(
      tracingPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:1/spans" }),
    ).toMatchObject({ url: "http://t:1/spans" });
  });

  it("picks the protocol, the traces-specific variable first, and refuses grpc", () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" };
    expect(tracingPlan(base)).toMatchObject({ protocol: "http/json" });
    expect(tracingPlan({ ...base, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf" })).toMatchObject({
      protocol: "http/protobuf",
    });
    expect(tracingPlan({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toMatchObject({ kind: "unsupported" });
    expect(tracingPlan({ ...base, OTEL_TRACES_EXPORTER: "zipkin" })).toMatchObject({ kind: "unsupported" });
  });
});

describe("startTracing", () => {
  const lines: string[] = [];
  const log = new Logger({ level: "debug", format: "logfmt", write: (line) => lines.push(line) });
  afterEach(() => {
    vi.unstubAllEnvs();
    lines.length = 0;
    trace.disable();
    context.disable();
  });

  it("registers nothing and makes no exporter without an endpoint", async () => {
    vi.stubEnv("OTEL_SERVICE_NAME", "vrf-agent-test");
    vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
    const tracing = startTracing(log);
    expect(tracing.exporting).toBe(false);
    expect(trace.getTracer("vrf-agent").startSpan("probe").isRecording()).toBe(false);
    // Each returns false when something is registered already.
    expect(trace.setGlobalTracerProvider(new BasicTracerProvider())).toBe(true);
    expect(context.setGlobalContextManager(new AsyncLocalStorageContextManager())).toBe(true);
    await tracing.stop();
  });

  it("turns an unsupported protocol into one warning and no tracing", () => {
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
    vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    expect(startTracing(log).exporting).toBe(false);
    expect(lines).toEqual([expect.stringContaining('level=warn msg="tracing off: OTLP protocol grpc')]);
  });

  it("sends the protobuf encoding by default", async () => {
    const receiver = await otlpReceiver();
    try {
      vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
      const tracing = startTracing(log);
      trace.getTracer("vrf-agent").startSpan("probe").end();
      await tracing.stop();
      expect(receiver.requests).toEqual([
        { method: "POST", path: "/v1/traces", contentType: "application/x-protobuf" },
      ]);
    } finally {
      await receiver.close();
    }
  });

  it("stops within its budget, and logs once, when the collector is down", async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", `http://127.0.0.1:${port}`);
    const stdout = vi.spyOn(process.stdout, "write");
    const tracing = startTracing(log);
    for (let i = 0; i < 5; i++) trace.getTracer("vrf-agent").startSpan(`probe ${i}`).end();
    const started = performance.now();
    await tracing.stop();
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(stdout).not.toHaveBeenCalled();
    stdout.mockRestore();
    const warnings = lines.filter((line) => /level=(warn|error)/.test(line));
    expect(warnings).toHaveLength(1);
  });
});
