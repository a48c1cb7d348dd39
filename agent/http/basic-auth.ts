/**
 * HTTP basic auth against bcrypt hashes, as exporter-toolkit's `basic_auth_users` does it: the
 * answer takes as long for an unknown user as for a wrong password, and a credential that passed
 * once is remembered so that a Prometheus scraping every few seconds does not pay bcrypt each time.
 * bcrypt itself goes through a small admission queue: bcryptjs runs on the one JavaScript thread,
 * so a flood of wrong passwords would otherwise hold the event loop for seconds at a time and
 * starve the scrapes; past the queue the answer is "busy", at once.
 */
import { createHmac, randomBytes, randomInt } from "node:crypto";
import bcrypt from "bcryptjs";
import { Admission } from "./admission.js";

/** Enough for every Prometheus and person scraping one agent; a bound keeps memory fixed. */
const cacheSize = 64;
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * One comparison at a time: they share the one thread, so a second would only interleave with the
 * first and make both late. Eight may wait (at cost 10, about 0.15 s each here, the last one waits
 * some 1.3 s) and one client address holds two of those places at most, so a first scrape from a
 * Prometheus whose credentials are not yet cached still gets a place while one address floods.
 */
export const bcryptAdmission = { running: 1, waiting: 8, perKey: 2 } as const;

/** `busy`: the comparison was not even tried; the client is told to come back (429). */
export type AuthVerdict = "pass" | "fail" | "busy";

export class BasicAuth {
  // Keyed by an HMAC under a key that never leaves the process, so memory holds no plain password
  // digest that could be brute-forced offline.
  private readonly cacheKey = randomBytes(32);
  private readonly passed = new Set<string>();
  private readonly dummyHash: string;

  /** `gate` is shared by the BasicAuths of one server, so a reloaded user list does not double the work allowed. */
  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly gate = new Admission(bcryptAdmission),
  ) {
    this.dummyHash = dummyBcryptHash(users.values().next().value);
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /**
   * Whether the request's Authorization header holds a known user and that user's password;
   * `client` (the remote address) is whose share of the bcrypt queue the check takes.
   */
  async check(authorization: string | undefined, client = ""): Promise<AuthVerdict> {
    const credentials = parseBasic(authorization);
    if (!credentials) return "fail";
    const { user, password } = credentials;
    const hash = this.users.get(user);
    const key = createHmac("sha256", this.cacheKey)
      .update(`${user}\0${hash ?? ""}\0${password}`)
      .digest("base64");
    if (hash !== undefined && this.passed.has(key)) return "pass";
    // An unknown user still costs one bcrypt comparison, so timing does not tell which users exist.
    const compared = await this.gate.run(client, () => bcrypt.compare(password, hash ?? this.dummyHash));
    if (!compared) return "busy";
    if (hash === undefined || !compared.value) return "fail";
    if (this.passed.size >= cacheSize) this.passed.delete(this.passed.values().next().value as string);
    this.passed.add(key);
    return "pass";
  }
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * A well-formed hash no password matches, at the cost of the configured ones so that comparing
 * against it takes as long as comparing against a real one.
 */
function dummyBcryptHash(model: string | undefined): string {
  const cost = model ? bcrypt.getRounds(model) : 10;
  let tail = "";
  for (let i = 0; i < 53; i++) tail += bcryptAlphabet[randomInt(bcryptAlphabet.length)];
  return `$2b$${String(cost).padStart(2, "0")}$${tail}`;
}
