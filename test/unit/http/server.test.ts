import { Agent } from "node:http";
import bcrypt from "bcryptjs";
import { beforeAll, describe, expect, it } from "vitest";
import { emptyWebConfig } from "../../../agent/config/web-config.js";
import { HttpServer, ListenError } from "../../../agent/http/server.js";
import { Logger } from "../../../agent/log/logger.js";
import { get, serversStoppedAfterEach, startServer } from "./client.js";

let hash: string;
const running = serversStoppedAfterEach();

beforeAll(async () => {
  hash = await bcrypt.hash("s3cret", 4);
});

async function started(options: Parameters<typeof startServer>[0] = {}) {
  const result = await startServer(options);
  running.push(result.server);
  return result;
}

describe("the HTTP server's routes", () => {
  it("serves the metrics handler's exposition at the telemetry path", async () => {
    const { server } = await started();
    const response = await get(server, "/metrics?name[]=up");
    expect(response).toMatchObject({ status: 200, body: "up 1\n" });
    expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4");
  });

  it("serves a landing page that links the telemetry path and the health endpoint", async () => {
    const { server } = await started();
    const response = await get(server, "/");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body).toContain('<a href="/metrics">');
    expect(response.body).toContain('<a href="/-/healthy">');
    expect(response.body).toContain("vrf-agent");
    expect(response.body).toContain("0.1.0-test");
  });

  it("answers health always and readiness from the callback", async () => {
    let ready = false;
    const { server } = await started({ ready: () => ready });
    expect(await get(server, "/-/healthy")).toMatchObject({ status: 200, body: "vrf-agent is healthy.\n" });
    expect(await get(server, "/-/ready")).toMatchObject({ status: 503, body: "vrf-agent is not ready.\n" });
    ready = true;
    expect(await get(server, "/-/ready")).toMatchObject({ status: 200, body: "vrf-agent is ready.\n" });
  });

  it("answers 404 for other paths, 405 for other methods, and HEAD without a body", async () => {
    const { server } = await started();
    expect((await get(server, "/metrics/")).status).toBe(404);
    const post = await get(server, "/metrics", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
    expect(await get(server, "/metrics", { method: "HEAD" })).toMatchObject({ status: 200, body: "" });
  });

  it("turns a failing metrics handler into a 500 and a log line", async () => {
    const { server, logs } = await started({
      metrics: async () => {
        throw new Error("map read failed");
      },
    });
    const response = await get(server, "/metrics");
    expect(response.status).toBe(500);
    expect(response.body).toContain("map read failed");
    expect(logs.join("")).toMatch(/level=error msg="rendering metrics failed" err="map read failed"/);
  });

  it("adds the configured headers to every response", async () => {
    const { server } = await started({ web: { headers: { "X-Frame-Options": "deny" } } });
    expect((await get(server, "/")).headers["x-frame-options"]).toBe("deny");
    expect((await get(server, "/nope")).headers["x-frame-options"]).toBe("deny");
  });
});

describe("basic auth", () => {
  const withUsers = () => started({ web: { basicAuthUsers: new Map([["prometheus", hash]]) } });

  it("lets the right password through", async () => {
    const { server } = await withUsers();
    expect(await get(server, "/metrics", { auth: "prometheus:s3cret" })).toMatchObject({ status: 200, body: "up 1\n" });
    // The second time comes from the cache of passed checks; it must still pass.
    expect((await get(server, "/metrics", { auth: "prometheus:s3cret" })).status).toBe(200);
  });

  it.each([
    ["a wrong password", "prometheus:wrong"],
    ["an unknown user", "grafana:s3cret"],
    ["a password with the right prefix", "prometheus:s3cret-and-more"],
    ["no colon at all", "prometheus"],
  ])("answers 401 with WWW-Authenticate for %s", async (_what, auth) => {
    const { server } = await withUsers();
    const response = await get(server, "/metrics", { auth });
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe("Basic");
  });

  it("answers 401 with WWW-Authenticate without the header, on every path", async () => {
    const { server } = await withUsers();
    for (const path of ["/metrics", "/", "/-/healthy"]) {
      const response = await get(server, path);
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe("Basic");
    }
  });
});

describe("the server's lifecycle", () => {
  it("reports a port in use in one line", async () => {
    const { server } = await started();
    const { port } = server.address();
    const second = new HttpServer({
      listeners: [{ kind: "address", address: { host: "127.0.0.1", port } }],
      telemetryPath: "/metrics",
      web: emptyWebConfig(),
      metrics: async () => ({ contentType: "text/plain", body: "" }),
      ready: () => true,
      name: "vrf-agent",
      version: "test",
      logger: new Logger({ level: "error", format: "logfmt", write: () => {} }),
    });
    const error = await second.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ListenError);
    expect((error as ListenError).message).toBe(`cannot listen on 127.0.0.1:${port}: address in use`);
    expect((error as ListenError).code).toBe("EADDRINUSE");
    await second.stop();
  });

  it("stops promptly while a keep-alive connection is open", async () => {
    const { server } = await started();
    const agent = new Agent({ keepAlive: true });
    try {
      expect((await get(server, "/metrics", { agent })).status).toBe(200);
      // The agent holds the idle socket open; the server would keep it for its 120 s keep-alive.
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
      const begun = performance.now();
      await server.stop();
      expect(performance.now() - begun).toBeLessThan(1000);
      await server.stop();
    } finally {
      agent.destroy();
    }
  });

  it("stops promptly while a scrape is in flight, cutting it off", async () => {
    let entered: () => void = () => {};
    const handlerEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const { server } = await started({
      metrics: () => {
        entered();
        return new Promise((resolve) => setTimeout(() => resolve({ contentType: "text/plain", body: "late\n" }), 5000));
      },
    });
    const scrape = get(server, "/metrics").then(
      () => "answered",
      (error: Error) => error.message,
    );
    await handlerEntered;
    const begun = performance.now();
    await server.stop();
    expect(performance.now() - begun).toBeLessThan(1000);
    expect(await scrape).toBe("socket hang up");
  });

  it("logs where it listens", async () => {
    const { server, logs } = await started();
    expect(logs.join("")).toContain(
      `msg=listening address=127.0.0.1:${server.address().port} tls=false basic_auth=false`,
    );
  });
});
