/** Real requests against a real HttpServer on loopback, for the http tests. */
import { readFile } from "node:fs/promises";
import { type Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { afterEach } from "vitest";
import { emptyWebConfig, type WebConfig } from "../../../agent/config/web-config.js";
import type { HttpLimits } from "../../../agent/http/limits.js";
import type { Listener } from "../../../agent/http/listeners.js";
import { type Exposition, HttpServer } from "../../../agent/http/server.js";
import { Logger } from "../../../agent/log/logger.js";

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ClientTls {
  ca: string;
  cert?: string;
  key?: string;
}

export interface RequestOptions {
  method?: string;
  /** `user:password`, sent as a basic auth header. */
  auth?: string;
  tls?: ClientTls;
  agent?: Agent;
  /** The client's own address, e.g. 127.0.0.2 to stand for another host on loopback. */
  localAddress?: string;
  /** Another of the server's ports than its first. */
  port?: number;
}

export async function get(server: HttpServer, path: string, options: RequestOptions = {}): Promise<Response> {
  const port = options.port ?? server.address().port;
  const headers: Record<string, string> = {};
  if (options.auth !== undefined) headers.authorization = `Basic ${Buffer.from(options.auth).toString("base64")}`;
  const common = {
    host: "127.0.0.1",
    port,
    path,
    method: options.method ?? "GET",
    headers,
    agent: options.agent ?? false,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  };
  const tls = options.tls;
  const tlsOptions = tls && {
    ca: await readFile(tls.ca),
    ...(tls.cert ? { cert: await readFile(tls.cert) } : {}),
    ...(tls.key ? { key: await readFile(tls.key) } : {}),
  };
  return new Promise((resolve, reject) => {
    const onResponse = (response: import("node:http").IncomingMessage) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on("error", reject);
    };
    const request = tlsOptions
      ? httpsRequest({ ...common, ...tlsOptions }, onResponse)
      : httpRequest(common, onResponse);
    request.on("error", reject);
    request.end();
  });
}

export interface TestServerOptions {
  web?: Partial<WebConfig>;
  metrics?: () => Promise<Exposition>;
  ready?: () => boolean;
  port?: number;
  /** Instead of 127.0.0.1:port. */
  listeners?: Listener[];
  limits?: Partial<HttpLimits>;
  maxRequests?: number;
  /** The web config's file, re-read by the server when it changes. */
  webConfigFile?: string;
}

/** A started server on 127.0.0.1 (port 0 unless given) whose log lines are kept for inspection. */
/** The servers a test file started, each stopped after its test (call it at the file's top level). */
export function serversStoppedAfterEach(): HttpServer[] {
  const running: HttpServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });
  return running;
}

export async function startServer(options: TestServerOptions = {}): Promise<{ server: HttpServer; logs: string[] }> {
  const logs: string[] = [];
  const server = new HttpServer({
    listeners: options.listeners ?? [{ kind: "address", address: { host: "127.0.0.1", port: options.port ?? 0 } }],
    telemetryPath: "/metrics",
    web: { ...emptyWebConfig(), ...options.web },
    metrics: options.metrics ?? (async () => ({ contentType: "text/plain; version=0.0.4", body: "up 1\n" })),
    ready: options.ready ?? (() => true),
    name: "vrf-agent",
    version: "0.1.0-test",
    logger: new Logger({ level: "debug", format: "logfmt", write: (line) => logs.push(line) }),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.maxRequests !== undefined ? { maxRequests: options.maxRequests } : {}),
    ...(options.webConfigFile !== undefined ? { webConfigFile: options.webConfigFile } : {}),
  });
  await server.start();
  return { server, logs };
}
