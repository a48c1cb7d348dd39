/**
 * The web config's rate_limit, with the semantics of golang.org/x/time/rate's Limiter that
 * exporter-toolkit uses: a bucket of `burst` tokens, full at the start, one token back every
 * `intervalMs`; a request that finds it empty is refused (429), not queued.
 */
import type { RateLimit } from "../config/web-config.js";

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly limit: Readonly<RateLimit>,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.last = now();
  }

  /** Takes a token if there is one. */
  allow(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + (now - this.last) / this.limit.intervalMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
