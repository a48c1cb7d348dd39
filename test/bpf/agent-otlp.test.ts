/**
 * The built agent, run as a daemon with the standard OTEL_* variables, exports its spans over
 * OTLP/HTTP to a receiver on loopback that decodes them; without an endpoint variable it sends
 * nothing, not even to the SDK's default port; with the collector down it still stops at once.
 * This host has no VRF driver, so the inventory is empty: the reconcile spans have no attach
 * children here (test/bpf/tracing-otlp.test.ts has them, with veths).
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { version } from "../../agent/version.js";
import { assertBuilt } from "../support/cli.js";
import { type OtlpReceiver, otlpReceiver } from "../support/otlp-receiver.js";
import { type RunningAgent, startAgent } from "../support/running-agent.js";

describe("the daemon's traces over OTLP", () => {
  const pins = `/sys/fs/bpf/vrf-agent-test-otlp-${randomUUID()}`;
  let agent: RunningAgent | undefined;
  let receiver: OtlpReceiver | undefined;

  beforeAll(() => assertBuilt());
  afterEach(async () => {
    agent?.signal("SIGKILL");
    await agent?.exited();
    agent = undefined;
    await receiver?.close();
    receiver = undefined;
    await rm(pins, { recursive: true, force: true });
  });

  const stopped = async (running: RunningAgent) => {
    running.signal("SIGTERM");
    expect(await running.exited()).toEqual({ exitCode: 0, signal: undefined });
  };

  it("exports its reconcile and a scrape's collect spans, flushed by the stop", async () => {
    receiver = await otlpReceiver();
    agent = await startAgent([`--bpf.pin-path=${pins}`], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=bpf-test",
      },
    });
    expect(agent.log()).toContain(`msg=tracing url=${receiver.url}/v1/traces protocol=http/json`);
    await agent.scrape();
    await stopped(agent);

    const { spans, requests } = receiver;
    expect(requests.every((r) => r.method === "POST" && r.path === "/v1/traces")).toBe(true);
    const reconciles = spans.filter((span) => span.name === "reconcile");
    expect(reconciles.length).toBeGreaterThanOrEqual(1);
    expect(reconciles[0]?.attributes).toMatchObject({ "vrf_agent.vrfs": 0, "vrf_agent.attach_failures": 0 });
    const collects = spans.filter((span) => span.name === "collect");
    expect(collects.map((span) => span.attributes["vrf_agent.collector"]).sort()).toEqual([
      "agent",
      "datapath",
      "inventory",
    ]);
    for (const span of spans) {
      expect(span.parentSpanId).toBeUndefined();
      expect(span.scope).toBe("vrf-agent");
      expect(span.resource).toMatchObject({
        "service.name": "vrf-agent",
        "service.version": version,
        "deployment.environment.name": "bpf-test",
      });
    }
  });

  it("sends nothing without an endpoint variable, not even to the default localhost:4318", async () => {
    // The SDK's default endpoint, if this host leaves it free; any port otherwise.
    receiver = await otlpReceiver({ host: "::", port: 4318 }).catch(() => otlpReceiver());
    agent = await startAgent([`--bpf.pin-path=${pins}`, "--log.level=debug"], {
      env: { OTEL_SERVICE_NAME: "vrf-agent-test", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
    });
    await agent.scrape();
    await stopped(agent);
    expect(agent.log()).toContain('msg="tracing off" reason="no OTEL_EXPORTER_OTLP_ENDPOINT"');
    expect(receiver.requests).toEqual([]);
  });

  it("stops with exit 0 and one warning when the collector is down", async () => {
    const closed = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => closed.once("listening", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    agent = await startAgent([`--bpf.pin-path=${pins}`], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
    });
    await agent.scrape();
    const started = performance.now();
    await stopped(agent);
    expect(performance.now() - started).toBeLessThan(5_000);
    const tracingLines = agent
      .log()
      .split("\n")
      .filter((line) => /component=tracing.* level=(warn|error)|level=(warn|error) .*component=tracing/.test(line));
    expect(tracingLines).toHaveLength(1);
  });
});
