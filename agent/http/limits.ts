/**
 * What one connection may cost the agent, and how many there may be at once. With Node's defaults
 * a connection that never sends a byte is kept forever and headers that trickle in for up to 90 s,
 * so anyone who can reach the port holds descriptors and memory without ever authenticating. Each
 * figure below is generous for a scraper and short for a silent or crawling client.
 */

export interface HttpLimits {
  /**
   * Silence allowed on a connection before its request, and while one arrives: a connection that
   * sends nothing is closed after this (Go's ReadHeaderTimeout also counts from the accept).
   */
  idleTimeoutMs: number;
  /** Time for a TLS handshake to finish. */
  handshakeTimeoutMs: number;
  /** Time for a request's headers to arrive, from its first byte (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** Time for the whole request, headers and body (Node's requestTimeout; at least headersTimeoutMs). */
  requestTimeoutMs: number;
  /** Silence allowed while a request is answered: rendering the metrics, and a client slow to read them. */
  responseTimeoutMs: number;
  /** How long an idle connection is kept between two requests. */
  keepAliveTimeoutMs: number;
  /** Connections at once; the kernel hands over more, and they are closed as soon as they come. */
  maxConnections: number;
}

export const defaultHttpLimits: Readonly<HttpLimits> = {
  // A scraper writes its request as soon as it has connected; 10 s covers a lossy link's retransmissions.
  idleTimeoutMs: 10_000,
  // Two round trips; Node's default of 120 s would let a client that never speaks TLS sit for two minutes.
  handshakeTimeoutMs: 10_000,
  // Prometheus writes its request in one go; headers still arriving after 10 s are a slowloris.
  headersTimeoutMs: 10_000,
  // A GET has no body, so this is the headers with room to spare.
  requestTimeoutMs: 20_000,
  // Above any scrape_timeout a Prometheus would wait (it cannot exceed the scrape interval, often
  // 15 s to 1 min); the agent renders in milliseconds, so only a stuck client reaches it.
  responseTimeoutMs: 60_000,
  // Longer than Prometheus' usual scrape intervals, so a scraper keeps its connection (and over TLS
  // skips a handshake per scrape); Node's default of 5 s would close it between every two scrapes.
  keepAliveTimeoutMs: 120_000,
  // A handful of Prometheus replicas and people running `status` use one each. 128 is far above
  // that, and far below the 1024 descriptors `ulimit -n` gives a process by default, some of
  // which the agent needs for its maps, links and netlink sockets.
  maxConnections: 128,
};

/**
 * How often Node looks for connections past headersTimeoutMs or requestTimeoutMs: its default
 * of 30 s is what stretched the 60 s header limit to 95 s. A quarter of the limit, at most 1 s:
 * the check walks the open connections only, at most maxConnections of them.
 */
export function connectionsCheckingIntervalMs(limits: HttpLimits): number {
  return Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)));
}
