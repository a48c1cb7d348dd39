/**
 * What a connection may cost the agent, against a real server on loopback with short limits: a
 * client that sends nothing, headers that trickle, a TLS client that never finishes its
 * handshake, more connections than allowed, and a flood of wrong passwords beside a scrape. The
 * only timings asserted are generous bounds on timeouts the limits set.
 */
import { writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { connect as connectTcp, type Socket } from "node:net";
import { join } from "node:path";
import { connect as connectTls } from "node:tls";
import bcrypt from "bcryptjs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWebConfig } from "../../../agent/config/web-config.js";
import type { HttpLimits } from "../../../agent/http/limits.js";
import type { HttpServer } from "../../../agent/http/server.js";
import { makePki, type Pki } from "../../support/pki.js";
import { get, serversStoppedAfterEach, startServer, type TestServerOptions } from "./client.js";

const running = serversStoppedAfterEach();

async function started(options: TestServerOptions) {
  const result = await startServer(options);
  running.push(result.server);
  return result;
}

/** A raw TCP connection to the server, open. */
async function connected(server: HttpServer): Promise<Socket> {
  const socket = connectTcp(server.address().port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

/** What the server sent before it closed the socket, or "still open" if it did not within `withinMs`. */
function closedBy(socket: Socket, withinMs: number): Promise<string> {
  return new Promise((resolve) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("still open");
    }, withinMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

// A generous bound on limits of a few hundred milliseconds: only a server that never closes fails it.
const bound = 5000;

describe("the HTTP server's timeouts", () => {
  it("closes a connection that sends nothing once idleTimeoutMs has passed", async () => {
    const { server } = await started({ limits: { idleTimeoutMs: 300 } });
    const silent = await connected(server);
    expect(await closedBy(silent, bound)).toBe("");
  });

  it("answers 408 and closes when headers trickle in for longer than headersTimeoutMs", async () => {
    const { server } = await started({ limits: { headersTimeoutMs: 400, requestTimeoutMs: 800 } });
    const slow = await connected(server);
    slow.write("GET /metrics HTTP/1.1\r\nHost: agent\r\n");
    // One header line every 100 ms: never silent for long, never done.
    let n = 0;
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write(`X-Drip-${n++}: 1\r\n`);
    }, 100);
    try {
      expect(await closedBy(slow, bound)).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      clearInterval(drip);
    }
  });

  it("answers a scrape that renders for longer than the idle timeout", async () => {
    const { server } = await started({
      limits: { idleTimeoutMs: 200 },
      metrics: () =>
        new Promise((resolve) => setTimeout(() => resolve({ contentType: "text/plain", body: "late 1\n" }), 600)),
    });
    expect(await get(server, "/metrics")).toMatchObject({ status: 200, body: "late 1\n" });
  });

  it("keeps a scraper's connection between scrapes longer than the idle timeout", async () => {
    const { server } = await started({ limits: { idleTimeoutMs: 200 } });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const scrape = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: server.address().port, path: "/metrics", agent }, (res) => {
          res.resume();
          res.once("end", () => resolve(req.reusedSocket));
        });
        req.once("error", reject);
        req.end();
      });
    try {
      expect(await scrape()).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await scrape()).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});

describe("the HTTPS server's timeouts", () => {
  let pki: Pki;
  beforeAll(async () => {
    pki = await makePki();
  });
  afterAll(() => pki?.remove());

  const tlsStarted = async (limits: Partial<HttpLimits>) => {
    const file = join(pki.dir, "web.yml");
    await writeFile(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
    return started({ web: await loadWebConfig(file), limits });
  };

  it("closes a connection that never starts its handshake once handshakeTimeoutMs has passed", async () => {
    const { server, logs } = await tlsStarted({ handshakeTimeoutMs: 300 });
    const silent = await connected(server);
    expect(await closedBy(silent, bound)).toBe("");
    expect(logs.join("")).toMatch(/level=debug msg="TLS handshake failed" err="TLS handshake timeout"/);
  });

  it("closes a TLS connection that sends no request once idleTimeoutMs has passed", async () => {
    const { server } = await tlsStarted({ idleTimeoutMs: 300 });
    const socket = connectTls({ host: "127.0.0.1", port: server.address().port, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    // The server closed it: the client saw no data, only the end.
    expect(await closedBy(socket, bound)).toBe("");
  });
});

describe("the HTTP server's connection bound", () => {
  it("refuses connections past maxConnections, warns once, and takes new ones when some close", async () => {
    const { server, logs } = await started({ limits: { maxConnections: 2 } });
    // Two scrapers that keep their connections: the server holds both.
    const agents = [new Agent({ keepAlive: true }), new Agent({ keepAlive: true })];
    try {
      for (const agent of agents) expect((await get(server, "/metrics", { agent })).status).toBe(200);
      for (const _ of [1, 2]) {
        const extra = await connected(server);
        extra.write("GET /metrics HTTP/1.1\r\nHost: agent\r\n\r\n");
        expect(await closedBy(extra, bound)).toBe("");
      }
      const warnings = logs.filter((line) => line.includes("too many open connections"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/level=warn .*max_connections=2 /);

      agents[0]?.destroy();
      // The server learns of the close a moment later; until then it still counts two.
      let status: number | string = "refused";
      for (let tries = 0; tries < 50 && status !== 200; tries++) {
        status = await get(server, "/metrics").then(
          (response) => response.status,
          (error: NodeJS.ErrnoException) => error.code ?? "error",
        );
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe(200);
    } finally {
      for (const agent of agents) agent.destroy();
    }
  });
});

/**
 * `count` requests with a wrong password, all at once, from another process (as an attacker is
 * another host: in this process the client would share the server's event loop). `sent` settles
 * once every request is written, `statuses` with what the server answered.
 */
function flood(server: HttpServer, count: number, localAddress = "127.0.0.1") {
  const script = `
    const http = require("node:http");
    const [port, count, localAddress] = JSON.parse(process.argv[1]);
    const headers = { authorization: "Basic " + Buffer.from("prometheus:guess").toString("base64") };
    let written = 0;
    const one = () => new Promise((resolve) => {
      const request = http.get({ host: "127.0.0.1", port, localAddress, path: "/metrics", agent: false, headers }, (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode));
      });
      request.on("finish", () => { if (++written === count) process.stderr.write("sent"); });
      request.on("error", (error) => resolve(error.code));
    });
    Promise.all(Array.from({ length: count }, one)).then((statuses) => console.log(JSON.stringify(statuses)));
  `;
  const child = execa(process.execPath, ["-e", script, JSON.stringify([server.address().port, count, localAddress])]);
  const sent = new Promise<void>((resolve) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("sent")) resolve();
    });
  });
  const statuses = child.then(({ stdout }) => JSON.parse(stdout) as (number | string)[]);
  return { sent, statuses };
}

// A hundred cost-12 comparisons take their time on a loaded 2-core machine; what is asserted is
// the scrapes' bound, and vitest's 5 s default is only the guard against a hang.
describe("basic auth under a flood of wrong passwords", { timeout: 30_000 }, () => {
  let hash: string;
  beforeAll(async () => {
    // Cost 12, as many guides advise: about 0.3 s per comparison here, so 100 guesses unqueued
    // would hold the event loop for half a minute.
    hash = await bcrypt.hash("s3cret", 12);
  });
  const users = () => ({ web: { basicAuthUsers: new Map([["prometheus", hash]]) } });

  it("answers the flood 429 past the bcrypt queue, while a cached scraper is served", async () => {
    const { server } = await started(users());
    expect((await get(server, "/metrics", { auth: "prometheus:s3cret" })).status).toBe(200);
    let done = false;
    const guesses = flood(server, 100).statuses.finally(() => {
      done = true;
    });
    // Scrapes one after another for as long as the flood lasts; each must come back in bounded time.
    const slowest = await (async () => {
      let slowest = 0;
      while (!done) {
        const begun = performance.now();
        expect((await get(server, "/metrics", { auth: "prometheus:s3cret" })).status).toBe(200);
        slowest = Math.max(slowest, performance.now() - begun);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return slowest;
    })();
    expect(slowest).toBeLessThan(bound);
    const statuses = await guesses;
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(50);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
  });

  it("gives a first scrape from another address a place in the queue while one address floods", async () => {
    const { server } = await started(users());
    const guesses = flood(server, 100, "127.0.0.2");
    await guesses.sent;
    const begun = performance.now();
    const response = await get(server, "/metrics", { auth: "prometheus:s3cret", localAddress: "127.0.0.1" });
    expect(response.status).toBe(200);
    // Unbounded, it waited for the guesses' bcrypt before its own (half a minute).
    expect(performance.now() - begun).toBeLessThan(bound);
    expect((await guesses.statuses).filter((status) => status === 429).length).toBeGreaterThan(50);
  });
});
