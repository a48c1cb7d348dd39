/**
 * The agent's spans exported over OTLP/HTTP by its own tracing setup (agent/tracing/sdk.ts), as
 * the OTEL_* environment configures it, to a receiver on loopback that decodes the OTLP JSON.
 * The agent's core runs on this host's kernel with veths standing in for a VRF and its members,
 * so the export holds real "attach" spans under their "reconcile" and a scrape's "collect" spans.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Core, startCore } from "../../agent/core.js";
import { Logger } from "../../agent/log/logger.js";
import { loadNative } from "../../agent/native.js";
import { startTracing, type Tracing } from "../../agent/tracing/sdk.js";
import { version } from "../../agent/version.js";
import { hostInventory } from "../support/host-inventory.js";
import { type OtlpReceiver, otlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";
import { type VethPair, vethPair } from "../support/veth.js";

const addon = loadNative();
const pinRoot = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
const variables = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_RESOURCE_ATTRIBUTES"];

describe("the agent's spans over OTLP/HTTP", () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let red: VethPair;
  let first: VethPair;
  let second: VethPair;
  let core: Core | undefined;
  const logged: string[] = [];
  const named = (name: string) => receiver.spans.filter((span) => span.name === name);

  beforeAll(async () => {
    receiver = await otlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
    process.env.OTEL_RESOURCE_ATTRIBUTES = "deployment.environment.name=bpf-test";
    tracing = startTracing(new Logger({ level: "debug", format: "logfmt", write: (line) => logged.push(line) }));
    [red, first, second] = await Promise.all([vethPair(74), vethPair(75), vethPair(76)]);
    core = await startCore(
      { addon, pinRoot, tcMode: "auto", expectedCross: [], log: () => {} },
      hostInventory([{ name: "red", table: 10, device: red, members: [first, second] }]),
    );
    await core.metrics.render();
    // The stop is what flushes: the batch processor has not reached its 5 s delay yet.
    await tracing.stop();
  });
  afterAll(async () => {
    core?.stop();
    await Promise.all([red, first, second].map((v) => v?.remove()));
    await rm(pinRoot, { recursive: true, force: true });
    for (const name of variables) delete process.env[name];
    await tracing?.stop();
    await receiver?.close();
  });

  it("sends OTLP JSON to /v1/traces of OTEL_EXPORTER_OTLP_ENDPOINT, and says where", () => {
    expect(tracing.exporting).toBe(true);
    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const request of receiver.requests) {
      expect(request).toEqual({ method: "POST", path: "/v1/traces", contentType: "application/json" });
    }
    expect(logged.join("")).toContain(`msg=tracing url=${receiver.url}/v1/traces protocol=http/json`);
  });

  it("names the service vrf-agent with its version, and adds OTEL_RESOURCE_ATTRIBUTES", () => {
    expect(receiver.spans.length).toBeGreaterThan(0);
    for (const span of receiver.spans) {
      expect(span.scope).toBe("vrf-agent");
      expect(span.resource).toMatchObject({
        "service.name": "vrf-agent",
        "service.version": version,
        "deployment.environment.name": "bpf-test",
      });
    }
  });

  it("exports the start's reconcile with one attach child per interface", () => {
    const reconciles = named("reconcile");
    expect(reconciles).toHaveLength(1);
    const reconcile = reconciles[0] as ReceivedSpan;
    expect(reconcile.parentSpanId).toBeUndefined();
    expect(reconcile.attributes).toEqual({
      "vrf_agent.vrfs": 1,
      "vrf_agent.attached": 3,
      "vrf_agent.detached": 0,
      "vrf_agent.attach_failures": 0,
    });
    const attaches = named("attach");
    expect(attaches.map((span) => span.attributes["vrf_agent.interface"]).sort()).toEqual(
      ["red", first.name, second.name].sort(),
    );
    for (const attach of attaches) {
      expect(attach.parentSpanId).toBe(reconcile.spanId);
      expect(attach.traceId).toBe(reconcile.traceId);
      expect(attach.status.code).toBe(0);
    }
  });

  it("exports a scrape as one root collect span per collector", () => {
    const collects = named("collect");
    expect(collects.map((span) => span.attributes["vrf_agent.collector"]).sort()).toEqual([
      "agent",
      "datapath",
      "inventory",
    ]);
    for (const collect of collects) expect(collect.parentSpanId).toBeUndefined();
    expect(receiver.spans).toHaveLength(1 + 3 + 3);
  });

  it("unregisters the SDK on stop", () => {
    expect(trace.getTracer("probe").startSpan("after stop").isRecording()).toBe(false);
  });
});
