import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { acceptsGzip } from "../../../agent/http/compression.js";
import type { HttpServer } from "../../../agent/http/server.js";
import { get, serversStoppedAfterEach, startServer } from "./client.js";

const running = serversStoppedAfterEach();

/** A page like the agent's: many series that repeat their label names. */
const page = Array.from(
  { length: 500 },
  (_, i) => `vrf_rx_packets_total{netns="",vrf="red${i % 7}",family="ipv4"} ${i}\n`,
).join("");

function raw(server: HttpServer, headers: Record<string, string>) {
  return new Promise<{ headers: import("node:http").IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.address().port, path: "/metrics", headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("gzip", () => {
  it.each<[string | undefined, boolean]>([
    ["gzip", true],
    ["gzip, deflate, br", true],
    ["deflate, GZIP;q=0.5", true],
    ["*", true],
    ["gzip;q=0", false],
    ["deflate", false],
    ["identity", false],
    [undefined, false],
  ])("Accept-Encoding %j takes gzip: %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it("gzips the metrics when asked, to the same text, and sends them plain otherwise", async () => {
    const { server } = await startServer({ metrics: async () => ({ contentType: "text/plain", body: page }) });
    running.push(server);
    const zipped = await raw(server, { "accept-encoding": "gzip" });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("Accept-Encoding");
    expect(Number(zipped.headers["content-length"])).toBe(zipped.body.length);
    expect(gunzipSync(zipped.body).toString("utf8")).toBe(page);
    expect(zipped.body.length).toBeLessThan(page.length / 4);

    const plain = await raw(server, {});
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString("utf8")).toBe(page);
  });
});

describe("--web.max-requests", () => {
  /** A metrics handler that holds every scrape until released, counting those it holds. */
  function held() {
    const waiting: (() => void)[] = [];
    let entered: () => void = () => {};
    return {
      waiting,
      entered: (n: number) =>
        new Promise<void>((resolve) => {
          entered = () => waiting.length >= n && resolve();
          entered();
        }),
      metrics: () =>
        new Promise<{ contentType: string; body: string }>((resolve) => {
          waiting.push(() => resolve({ contentType: "text/plain", body: "up 1\n" }));
          entered();
        }),
      release: () => {
        for (const go of waiting.splice(0)) go();
      },
    };
  }

  it("answers a scrape beyond the limit 503, as node_exporter does, and serves again once one is done", async () => {
    const gate = held();
    const { server } = await startServer({ metrics: gate.metrics, maxRequests: 2 });
    running.push(server);
    const first = [get(server, "/metrics"), get(server, "/metrics")];
    await gate.entered(2);
    const refused = await get(server, "/metrics");
    expect(refused).toMatchObject({
      status: 503,
      body: "Limit of concurrent requests reached (2), try again later.\n",
    });
    // Other paths are not scrapes and are not limited.
    expect((await get(server, "/-/healthy")).status).toBe(200);
    gate.release();
    for (const response of await Promise.all(first)) expect(response.status).toBe(200);
    const again = get(server, "/metrics");
    await gate.entered(1);
    gate.release();
    expect((await again).status).toBe(200);
  });

  it("has no limit with 0", async () => {
    const gate = held();
    const { server } = await startServer({ metrics: gate.metrics, maxRequests: 0 });
    running.push(server);
    const scrapes = Array.from({ length: 50 }, () => get(server, "/metrics"));
    await gate.entered(50);
    gate.release();
    for (const response of await Promise.all(scrapes)) expect(response.status).toBe(200);
  });
});
