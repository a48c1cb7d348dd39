/**
 * The agent's OpenTelemetry spans, caught by an in-memory exporter while its core runs on this
 * host's kernel: "reconcile" with "attach" children (ERROR for an interface that vanished), and
 * one "collect" per metric family at scrape time. The SDK is registered here by hand, with an
 * in-memory exporter, to provoke the ERROR cases; the agent's own OTLP set-up is proven in
 * tracing-otlp.test.ts and agent-otlp.test.ts.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Core, startCore } from "../../agent/core.js";
import { loadNative } from "../../agent/native.js";
import { hostInventory } from "../support/host-inventory.js";
import { type VethPair, vethPair } from "../support/veth.js";

// Static imports are evaluated before this line, so the agent's modules have already called
// trace.getTracer("vrf-agent") with no SDK registered, as this one does. The API hands out
// proxies that look the provider up when a span starts, so registering later must still work.
const tracerBeforeRegistration = trace.getTracer("vrf-agent");

const addon = loadNative();
const pinRoot = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const named = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);
const only = (spans: ReadableSpan[]): ReadableSpan => {
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
};
const isChildOf = (child: ReadableSpan, parent: ReadableSpan) =>
  child.parentSpanContext?.spanId === parent.spanContext().spanId &&
  child.spanContext().traceId === parent.spanContext().traceId;

describe("the agent's spans", () => {
  let red: VethPair;
  let first: VethPair;
  let second: VethPair;
  let gone: VethPair;
  let core: Core;
  const inventory = (members: VethPair[]) => hostInventory([{ name: "red", table: 10, device: red, members }]);

  beforeAll(async () => {
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    // Without a context manager every span is a root: "attach" would not know its "reconcile".
    expect(context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())).toBe(true);
    [red, first, second, gone] = await Promise.all([vethPair(70), vethPair(71), vethPair(72), vethPair(73)]);
    core = await startCore(
      { addon, pinRoot, tcMode: "auto", expectedCross: [], log: () => {} },
      inventory([first, second]),
    );
  });
  afterAll(async () => {
    core?.stop();
    await Promise.all([red, first, second, gone].map((v) => v?.remove()));
    await rm(pinRoot, { recursive: true, force: true });
    await provider.shutdown();
    // Leaves the API as it found it for whatever runs next in this worker. (The agent modules'
    // proxies keep the tracer they resolved, which the shutdown above has made inert.)
    trace.disable();
    context.disable();
  });

  it("delegates a tracer taken before the SDK was registered", () => {
    tracerBeforeRegistration.startSpan("probe").end();
    expect(only(named("probe")).instrumentationScope.name).toBe("vrf-agent");
  });

  it("traces the first reconcile, with one attach child per interface", () => {
    const reconcile = only(named("reconcile"));
    expect(reconcile.instrumentationScope.name).toBe("vrf-agent");
    expect(reconcile.parentSpanContext).toBeUndefined();
    expect(reconcile.status.code).toBe(SpanStatusCode.UNSET);
    expect(reconcile.attributes).toEqual({
      "vrf_agent.vrfs": 1,
      "vrf_agent.attached": 3,
      "vrf_agent.detached": 0,
      "vrf_agent.attach_failures": 0,
    });
    // A VRF device is named after its VRF (here the hand-built inventory's "red", on veth vat70).
    const attaches = named("attach");
    expect(attaches.map((span) => span.attributes["vrf_agent.interface"]).sort()).toEqual(
      ["red", first.name, second.name].sort(),
    );
    for (const attach of attaches) {
      expect(isChildOf(attach, reconcile)).toBe(true);
      expect(attach.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it("traces a scrape as one collect span per collector", async () => {
    exporter.reset();
    await core.metrics.render();
    const collects = named("collect");
    expect(collects.map((span) => span.attributes["vrf_agent.collector"]).sort()).toEqual([
      "agent",
      "datapath",
      "inventory",
    ]);
    for (const collect of collects) {
      expect(collect.status.code).toBe(SpanStatusCode.UNSET);
      // A scrape is not inside a reconcile: each collection is a root of its own.
      expect(collect.parentSpanContext).toBeUndefined();
    }
  });

  it("marks a failing collector's span as ERROR", async () => {
    exporter.reset();
    const inventories = core.state.inventories.bind(core.state);
    core.state.inventories = () => {
      throw new Error("iproute2 said something odd");
    };
    try {
      await core.metrics.render();
    } finally {
      core.state.inventories = inventories;
    }
    const failed = named("collect").filter((span) => span.status.code === SpanStatusCode.ERROR);
    expect(failed.map((span) => [span.attributes["vrf_agent.collector"], span.status.message])).toEqual([
      ["inventory", "Error: iproute2 said something odd"],
    ]);
  });

  it("marks the attach to a vanished interface as ERROR, inside a reconcile that goes on", async () => {
    await gone.remove();
    exporter.reset();
    const outcome = core.apply(inventory([first, second, gone]));
    expect(outcome.failures.map((failure) => failure.ifname)).toEqual([gone.name]);
    const reconcile = only(named("reconcile"));
    expect(reconcile.status.code).toBe(SpanStatusCode.UNSET);
    expect(reconcile.attributes).toMatchObject({ "vrf_agent.attached": 0, "vrf_agent.attach_failures": 1 });
    const attach = only(named("attach"));
    expect(attach.attributes["vrf_agent.interface"]).toBe(gone.name);
    expect(isChildOf(attach, reconcile)).toBe(true);
    expect(attach.status).toEqual({ code: SpanStatusCode.ERROR, message: outcome.failures[0]?.message });
  });
});
