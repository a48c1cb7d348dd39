/**
 * The agent's HTTP(S) endpoint: metrics, a landing page and the health probes, behind the TLS,
 * basic auth and headers of an exporter-toolkit web config, with every phase of a connection
 * timed and their number bounded (./limits.ts). A component: the constructor only stores its
 * options, start() listens, stop() closes every connection so shutdown is prompt.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { formatListenAddress, type ListenAddress } from "../config/listen-address.js";
import type { WebConfig } from "../config/web-config.js";
import { WebConfigWatch } from "../config/web-config-watch.js";
import type { Logger } from "../log/logger.js";
import { OperatorError, oneLine } from "../operator-error.js";
import { Admission } from "./admission.js";
import { BasicAuth, bcryptAdmission } from "./basic-auth.js";
import { encodeBody } from "./compression.js";
import { landingPage } from "./landing-page.js";
import { connectionsCheckingIntervalMs, defaultHttpLimits, type HttpLimits } from "./limits.js";
import { formatListener, type Listener, listenOptions } from "./listeners.js";
import { TokenBucket } from "./rate-limit.js";
import { httpsOptions, refusal } from "./tls-options.js";

export interface Exposition {
  contentType: string;
  body: string;
}

export interface HttpServerOptions {
  /** Every one is served, with the same handler and web config. */
  listeners: readonly Listener[];
  telemetryPath: string;
  web: WebConfig;
  /** Renders the metrics at scrape time (prom-client's `registry.metrics()` and `contentType`). */
  metrics(): Promise<Exposition>;
  /** Whether the agent is ready to be scraped (its datapath loaded), for `/-/ready`. */
  ready(): boolean | Promise<boolean>;
  name: string;
  version: string;
  logger: Logger;
  /** Timeouts and the connection bound; defaultHttpLimits for what is not given. */
  limits?: Partial<HttpLimits>;
  /**
   * The web config's file: re-read when it or a file it names changed, before each new connection
   * is handed to TLS and before each request, as exporter-toolkit does. Absent: only updateWebConfig.
   */
  webConfigFile?: string;
  /** Scrapes rendered at once (`--web.max-requests`); more are answered 503. 0 or absent: no limit. */
  maxRequests?: number;
}

/** A listen failure in one line, e.g. `cannot listen on :9852: address in use`. */
export class ListenError extends OperatorError {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "ListenError";
  }
}

/** At most one warning this often while connections are refused, so a flood does not flood the log too. */
const dropWarningMs = 60_000;

export class HttpServer {
  /** One per listener: a Node server listens on one socket. */
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private web: WebConfig;
  private auth: BasicAuth;
  private readonly bcryptGate = new Admission(bcryptAdmission);
  private readonly limits: HttpLimits;
  private scrapesInFlight = 0;
  private limiter: TokenBucket | undefined;
  private readonly watch: WebConfigWatch | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.web = options.web;
    this.auth = new BasicAuth(options.web.basicAuthUsers, this.bcryptGate);
    this.limits = { ...defaultHttpLimits, ...options.limits };
    this.limiter = options.web.rateLimit && new TokenBucket(options.web.rateLimit);
    this.watch = options.webConfigFile ? new WebConfigWatch(options.webConfigFile, options.web) : undefined;
  }

  /**
   * Serves a re-read web config from the next connection on (certificates, client auth, users,
   * headers), as exporter-toolkit does per handshake. Plain HTTP to TLS or back takes a restart.
   */
  updateWebConfig(web: WebConfig): void {
    this.apply(web);
    this.watch?.use(web);
  }

  private apply(web: WebConfig): void {
    if (this.servers.length > 0 && Boolean(web.tls) !== Boolean(this.web.tls)) {
      throw new OperatorError("switching between HTTP and HTTPS takes a restart");
    }
    for (const server of this.servers) {
      if (!(server instanceof HttpsServer && web.tls)) continue;
      const options = httpsOptions(web.tls);
      server.setSecureContext(options);
      // Read by the TLS server for each new connection; setSecureContext leaves them as they were.
      Object.assign(server, { requestCert: options.requestCert, rejectUnauthorized: options.rejectUnauthorized });
    }
    this.web = web;
    this.auth = new BasicAuth(web.basicAuthUsers, this.bcryptGate);
    // The same limit keeps its bucket, so a reload does not hand out a fresh burst.
    const limit = web.rateLimit;
    const same = limit && this.limiter && JSON.stringify(this.limiter.limit) === JSON.stringify(limit);
    if (!same) this.limiter = limit && new TokenBucket(limit);
  }

  async start(): Promise<void> {
    if (this.servers.length > 0) throw new Error("HTTP server already started");
    const { logger } = this.options;
    const servers: Server[] = [];
    try {
      for (const listener of this.options.listeners) {
        const server = this.createServer();
        await listen(server, listener);
        servers.push(server);
        server.on("error", (error) => logger.error("HTTP server error", { err: error }));
        const bound = server.address() as AddressInfo;
        logger.info("listening", {
          ...(listener.kind === "address"
            ? { address: formatListenAddress({ ...listener.address, port: bound.port }) }
            : {
                address: formatListener(listener),
                bound: formatListenAddress({ host: bound.address, port: bound.port }),
              }),
          tls: Boolean(this.web.tls),
          basic_auth: this.auth.enabled,
        });
      }
    } catch (error) {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      throw error;
    }
    this.servers = servers;
  }

  private createServer(): Server {
    const { web } = this;
    const { logger } = this.options;
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      this.handle(request, response).catch((error: unknown) => {
        logger.error("request failed", { path: request.url, err: error });
        if (!response.headersSent) send(response, 500, "text/plain; charset=utf-8", "Internal server error\n");
        else response.destroy();
      });
    };

    const tls = web.tls;
    const { limits } = this;
    const timing = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(limits),
    };
    const server: Server = tls
      ? createHttpsServer({ ...httpsOptions(tls), ...timing, handshakeTimeout: limits.handshakeTimeoutMs }, handler)
      : createHttpServer(timing, handler);
    // Node's socket inactivity timeout (between kept-alive requests it uses keepAliveTimeout
    // instead): here the silence allowed before a connection's first request. The handler sets its own.
    server.timeout = limits.idleTimeoutMs;
    server.maxConnections = limits.maxConnections;
    if (tls && this.watch) this.refreshBeforeHandshake(server);
    server.on("drop", (drop?: { remoteAddress?: string }) => this.dropped(drop?.remoteAddress));
    server.on("connection", (socket: Socket) => {
      // maxConnections counts one server's; the bound is for all of them together.
      if (this.sockets.size >= limits.maxConnections) {
        socket.destroy();
        this.dropped(socket.remoteAddress);
        return;
      }
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    if (tls) {
      server.on("secureConnection", (socket: TLSSocket) => {
        const reason = refusal(this.web.tls ?? tls, socket);
        if (!reason) return;
        logger.debug("TLS connection refused", { remote: socket.remoteAddress, reason });
        socket.destroy();
      });
      // Failed handshakes are the client's problem (a scanner, a wrong CA); at info they would drown the log.
      server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
        logger.debug("TLS handshake failed", { remote: socket.remoteAddress, err: error });
      });
    }
    return server;
  }

  /**
   * Node's TLS server wraps a new connection in TLS from its "connection" listener, with the
   * certificate it has then; when the files changed, that listener waits for the re-read. The
   * client's ClientHello, arriving meanwhile, waits in the socket.
   */
  private refreshBeforeHandshake(server: Server): void {
    const own = server.listeners("connection") as ((socket: Socket) => void)[];
    server.removeAllListeners("connection");
    server.on("connection", (socket: Socket) => {
      const hand = () => {
        if (!socket.destroyed) for (const listener of own) listener.call(server, socket);
      };
      if (!this.watch?.changed()) return hand();
      void this.refreshWeb().then(hand);
    });
  }

  /** Re-reads the web config when its files changed; a config that does not load keeps the running one. */
  private async refreshWeb(): Promise<void> {
    const watch = this.watch;
    if (!watch?.changed()) return;
    const { logger } = this.options;
    await watch.reload(
      (web) => {
        this.apply(web);
        for (const note of web.notes) logger.warn(note);
        logger.info("web config reloaded: its files changed", { file: watch.file });
      },
      (error) =>
        logger.error("web config changed but does not load; the running one stays", {
          file: watch.file,
          error: oneLine(error).message,
        }),
    );
  }

  private lastDropWarning = Number.NEGATIVE_INFINITY;
  private droppedSinceWarning = 0;

  private dropped(remote: string | undefined): void {
    this.droppedSinceWarning += 1;
    if (performance.now() - this.lastDropWarning < dropWarningMs) return;
    this.lastDropWarning = performance.now();
    this.options.logger.warn("connection refused: too many open connections", {
      max_connections: this.limits.maxConnections,
      remote,
      refused_since_last_warning: this.droppedSinceWarning,
    });
    this.droppedSinceWarning = 0;
  }

  /** The first listener's address actually bound (the real port when 0 was asked for). */
  address(): ListenAddress {
    const [first] = this.addresses();
    if (!first) throw new Error("HTTP server not listening");
    return first;
  }

  /** Every listener's bound address, in the order they were given. */
  addresses(): ListenAddress[] {
    return this.servers.map((server) => {
      const bound = server.address() as AddressInfo;
      return { host: bound.address, port: bound.port };
    });
  }

  /** Stops listening and closes every connection, idle or not; a second call does nothing. */
  async stop(): Promise<void> {
    const servers = this.servers;
    if (servers.length === 0) return;
    this.servers = [];
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const server of servers) server.closeAllConnections();
    // closeAllConnections only knows connections that reached HTTP; a TLS client still in (or stuck
    // before) its handshake would hold close() up to the handshake timeout.
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Users, headers and the rate limit change for the next request, even on a kept-alive connection.
    if (this.watch?.changed()) await this.refreshWeb();
    const { web, auth } = this;
    const { telemetryPath, name } = this.options;
    for (const [header, value] of Object.entries(web.headers)) response.setHeader(header, value);

    // From here the connection waits on the agent, not the client: the render (or a bcrypt
    // comparison's turn) may take longer than a client may stay silent before its request.
    request.socket.setTimeout(this.limits.responseTimeoutMs);

    // Before authentication, as exporter-toolkit does: a flood of guesses spends tokens, not bcrypt.
    if (this.limiter && !this.limiter.allow()) {
      return send(response, 429, "text/plain; charset=utf-8", "Too Many Requests\n");
    }

    // Every path is behind the password, health included, as with exporter-toolkit.
    const verdict = auth.enabled
      ? await auth.check(request.headers.authorization, request.socket.remoteAddress)
      : "pass";
    if (verdict === "busy") {
      // Prometheus marks the target down for this scrape only; its next scrape is the retry.
      response.setHeader("Retry-After", "1");
      return send(response, 429, "text/plain; charset=utf-8", "Too many authentication attempts at once\n");
    }
    if (verdict === "fail") {
      response.setHeader("WWW-Authenticate", "Basic");
      return send(response, 401, "text/plain; charset=utf-8", "Unauthorized\n");
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("Allow", "GET, HEAD");
      return send(response, 405, "text/plain; charset=utf-8", "Method not allowed\n");
    }

    const path = (request.url ?? "/").split("?", 1)[0];
    switch (path) {
      case telemetryPath:
        return this.serveMetrics(request, response);
      case "/":
        return send(response, 200, "text/html; charset=utf-8", landingPage(this.options));
      case "/-/healthy":
        return send(response, 200, "text/plain; charset=utf-8", `${name} is healthy.\n`);
      case "/-/ready":
        return (await this.isReady())
          ? send(response, 200, "text/plain; charset=utf-8", `${name} is ready.\n`)
          : send(response, 503, "text/plain; charset=utf-8", `${name} is not ready.\n`);
      default:
        return send(response, 404, "text/plain; charset=utf-8", "Not found\n");
    }
  }

  private async serveMetrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const max = this.options.maxRequests ?? 0;
    if (max > 0 && this.scrapesInFlight >= max) {
      // node_exporter's answer (promhttp's MaxRequestsInFlight), word for word.
      return send(
        response,
        503,
        "text/plain; charset=utf-8",
        `Limit of concurrent requests reached (${max}), try again later.\n`,
      );
    }
    this.scrapesInFlight += 1;
    try {
      await this.renderMetrics(request, response);
    } finally {
      this.scrapesInFlight -= 1;
    }
  }

  private async renderMetrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let exposition: Exposition;
    try {
      exposition = await this.options.metrics();
    } catch (error) {
      // A 500 makes Prometheus mark the target down (up == 0), which is what a failed render is.
      this.options.logger.error("rendering metrics failed", { err: error });
      return send(
        response,
        500,
        "text/plain; charset=utf-8",
        `An error occurred while rendering metrics: ${String(error)}\n`,
      );
    }
    const encoded = await encodeBody(exposition.body, request.headers["accept-encoding"]);
    send(response, 200, exposition.contentType, encoded.body, encoded.headers);
  }

  private async isReady(): Promise<boolean> {
    try {
      return await this.options.ready();
    } catch (error) {
      this.options.logger.warn("readiness check failed", { err: error });
      return false;
    }
  }
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...headers, "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

/** Listens on one listener; rejects with a one-line ListenError. */
function listen(server: Server, listener: Listener): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(listenError(listener, error));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    try {
      server.listen(listenOptions(listener));
    } catch (error) {
      onError(error as NodeJS.ErrnoException);
    }
  });
}

function listenError(listener: Listener, error: NodeJS.ErrnoException): ListenError {
  const reasons: Record<string, string> = {
    EADDRINUSE: "address in use",
    EACCES:
      listener.kind === "address" && listener.address.port < 1024
        ? "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
        : "permission denied",
    EADDRNOTAVAIL: "address not available on this host",
    ENODEV: "no such device (a VRF or interface of that name)",
    ENOTFOUND: "host name not found",
    EAI_AGAIN: "host name lookup failed",
  };
  const reason = (error.code && reasons[error.code]) ?? error.message;
  return new ListenError(`cannot listen on ${formatListener(listener)}: ${reason}`, error.code);
}
