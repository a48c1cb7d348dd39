/**
 * The web config file of the Prometheus exporters (exporter-toolkit's `--web.config.file`): TLS,
 * basic auth and extra headers, in the same format so one file serves every exporter on a host.
 * Differences: TLS below 1.2 is refused, `http2: true` is refused (the agent serves HTTP/1.1),
 * and unknown keys are errors (an ignored security setting would fail open). Every key
 * exporter-toolkit documents is honoured otherwise.
 */
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { loadTlsMaterial, TlsMaterialError, type TlsSources } from "./tls-material.js";
import { ConfigError, type ParsedYaml, parseYaml, readConfigFile } from "./yaml-file.js";

export const clientAuthTypes = [
  "NoClientCert",
  "RequestClientCert",
  "RequireAnyClientCert",
  "VerifyClientCertIfGiven",
  "RequireAndVerifyClientCert",
] as const;
export type ClientAuthType = (typeof clientAuthTypes)[number];

export type TlsVersion = "TLSv1.2" | "TLSv1.3";

export interface TlsSettings {
  /** Absolute paths, as resolved against the config file's folder; absent for an inline PEM. */
  certFile?: string;
  keyFile?: string;
  clientCaFile?: string;
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  clientAuth: ClientAuthType;
  minVersion: TlsVersion;
  maxVersion?: TlsVersion;
  /** client_allowed_sans: a client certificate must carry one of these SANs exactly. */
  allowedSans?: string[];
  /** cipher_suites in OpenSSL's names, for Node's `ciphers`. */
  ciphers?: string;
  /** curve_preferences in OpenSSL's names, for Node's `ecdhCurve`. */
  ecdhCurve?: string;
  /** prefer_server_cipher_suites, for Node's `honorCipherOrder`. */
  honorCipherOrder?: boolean;
}

/** rate_limit: a token bucket over every request, as golang.org/x/time/rate's Limiter. */
export interface RateLimit {
  /** One token comes back this often. */
  intervalMs: number;
  /** The bucket's size, and what it starts with. */
  burst: number;
}

export interface WebConfig {
  tls?: TlsSettings;
  /** Extra response headers, on every response. */
  headers: Record<string, string>;
  /** User name to bcrypt hash; empty means no authentication. */
  basicAuthUsers: Map<string, string>;
  rateLimit?: RateLimit;
  /** Settings accepted for compatibility but not applied, and files accepted but unsafe, for the caller to log. */
  notes: string[];
}

/** Plain HTTP, no auth, no extra headers: what runs without `--web.config.file`. A fresh object each time. */
export function emptyWebConfig(): WebConfig {
  return { headers: {}, basicAuthUsers: new Map(), notes: [] };
}

const versions = { TLS12: "TLSv1.2", TLS13: "TLSv1.3" } as const satisfies Record<string, TlsVersion>;
const tlsVersion = z.enum(["TLS12", "TLS13"], {
  error: "must be TLS12 or TLS13 (TLS 1.0 and 1.1 are refused: both are deprecated by RFC 8996)",
});

// exporter-toolkit's list: only headers that harden a response may be set, never ones that change it.
const allowedHeaders: Record<string, readonly string[] | undefined> = {
  "Strict-Transport-Security": undefined,
  "X-Content-Type-Options": ["nosniff"],
  "X-Frame-Options": ["deny", "sameorigin"],
  "X-XSS-Protection": undefined,
  "Content-Security-Policy": undefined,
};

// What bcryptjs can check: $2a$, $2b$ or $2y$, a two-digit cost, then 22 characters of salt and 31 of hash.
const bcryptHash = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** An empty section (`basic_auth_users:` with nothing under it) means the same as no section, as in Go. */
const section = <S extends z.ZodType>(inner: S) => z.preprocess((v) => (v === null ? undefined : v), inner.optional());

/**
 * Go's names (tls.CipherSuites(), the secure ones) and OpenSSL's for the same suite. TLS 1.3's
 * are accepted and always on, as in Go, which does not let them be configured.
 */
const cipherSuites: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: "",
  TLS_AES_256_GCM_SHA384: "",
  TLS_CHACHA20_POLY1305_SHA256: "",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-RSA-CHACHA20-POLY1305",
};
/** Kept whatever cipher_suites says, as Go keeps them: they are set apart from TLS 1.2's in OpenSSL. */
const tls13Suites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
/** Go's tls.CurveID names and OpenSSL's group names. */
const curves: Record<string, string> = { CurveP256: "P-256", CurveP384: "P-384", CurveP521: "P-521", X25519: "X25519" };

const pemText = z.string().min(1, "must not be empty");
const oneOf = (names: Record<string, string>, what: string) =>
  z.string().refine((name) => Object.hasOwn(names, name), `is not a ${what} (one of ${Object.keys(names).join(", ")})`);

const tlsServerConfig = z
  .strictObject({
    cert_file: z.string().min(1, "must not be empty").optional(),
    key_file: z.string().min(1, "must not be empty").optional(),
    cert: pemText.optional(),
    key: pemText.optional(),
    client_ca_file: z.string().min(1, "must not be empty").optional(),
    client_ca: pemText.optional(),
    client_auth_type: z.enum(clientAuthTypes).default("NoClientCert"),
    client_allowed_sans: z.array(z.string().min(1, "must not be empty")).optional(),
    min_version: tlsVersion.default("TLS12"),
    max_version: tlsVersion.optional(),
    cipher_suites: z.array(oneOf(cipherSuites, "cipher suite Go offers")).optional(),
    curve_preferences: z.array(oneOf(curves, "curve")).optional(),
    prefer_server_cipher_suites: z.boolean().optional(),
  })
  .superRefine((tls, context) => {
    const issue = (key: string, message: string) => context.addIssue({ code: "custom", path: [key], message });
    for (const [file, inline] of [
      ["cert_file", "cert"],
      ["key_file", "key"],
    ] as const) {
      if (tls[file] === undefined && tls[inline] === undefined) issue(file, `is required (or ${inline}, inline)`);
      if (tls[file] !== undefined && tls[inline] !== undefined) issue(inline, `and ${file} are exclusive: give one`);
    }
    if (tls.client_ca_file !== undefined && tls.client_ca !== undefined) {
      issue("client_ca", "and client_ca_file are exclusive: give one");
    }
    const hasCa = tls.client_ca_file !== undefined || tls.client_ca !== undefined;
    const caKey = tls.client_ca !== undefined ? "client_ca" : "client_ca_file";
    const verifies =
      tls.client_auth_type === "VerifyClientCertIfGiven" || tls.client_auth_type === "RequireAndVerifyClientCert";
    if (verifies && !hasCa) {
      context.addIssue({ code: "custom", path: ["client_ca_file"], message: `required with ${tls.client_auth_type}` });
    }
    const requires =
      tls.client_auth_type === "RequireAnyClientCert" || tls.client_auth_type === "RequireAndVerifyClientCert";
    if (tls.client_allowed_sans !== undefined && !requires) {
      issue(
        "client_allowed_sans",
        `needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert (with ${tls.client_auth_type} a client may send no certificate, so no SAN to match)`,
      );
    }
    if (hasCa && tls.client_auth_type === "NoClientCert") {
      context.addIssue({
        code: "custom",
        path: [caKey],
        message: "is set but client_auth_type is NoClientCert, so no client certificate would be checked",
      });
    }
    if (tls.max_version === "TLS12" && tls.min_version === "TLS13") {
      context.addIssue({ code: "custom", path: ["max_version"], message: "is below min_version" });
    }
  });

const schema = z.strictObject({
  tls_server_config: section(tlsServerConfig),
  http_server_config: section(
    z.strictObject({
      http2: z
        .boolean()
        .refine((on) => !on, "true is not supported: the agent serves HTTP/1.1 (set false or leave it out)")
        .optional(),
      headers: section(
        z.record(z.string(), z.string()).superRefine((headers, context) => {
          for (const [name, value] of Object.entries(headers)) {
            const problem = headerProblem(name, value);
            if (problem) context.addIssue({ code: "custom", path: [name], message: problem });
          }
        }),
      ),
    }),
  ),
  rate_limit: section(
    z
      .strictObject({
        interval: z.union([z.literal(0), z.string()]).transform((text, context) => {
          const ms = goDurationMs(text);
          if (ms === undefined) {
            context.addIssue({ code: "custom", message: "is not a duration (such as 100ms, 1s or 1m30s)" });
            return z.NEVER;
          }
          return ms;
        }),
        burst: z.number().int("must be a whole number").min(0, "must be 0 or more"),
      })
      .superRefine((limit, context) => {
        // Go's Limiter with burst 0 allows no request at all: surely not what was meant.
        if (limit.interval > 0 && limit.burst === 0) {
          context.addIssue({ code: "custom", path: ["burst"], message: "must be at least 1, or no request is let in" });
        }
      }),
  ),
  basic_auth_users: section(
    z.record(
      z.string().refine((user) => !user.includes(":"), "a user name cannot contain ':' (basic auth splits on it)"),
      z.string().regex(bcryptHash, "is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31)"),
    ),
  ),
});

const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration (what exporter-toolkit's YAML decodes `interval` with), in milliseconds. */
function goDurationMs(text: string | 0): number | undefined {
  if (text === 0 || text === "0") return 0;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, value = "", unit = ""] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    ms += Number(value) * (durationUnits[unit] ?? 0);
  }
  return ms;
}

function headerProblem(name: string, value: string): string | undefined {
  const canonical = canonicalHeader(name);
  if (!canonical) return `cannot be set (allowed: ${Object.keys(allowedHeaders).join(", ")})`;
  const values = allowedHeaders[canonical];
  if (values && !values.includes(value.toLowerCase())) return `must be one of ${values.join(", ")}`;
  if (/[\r\n]/.test(value)) return "must be one line";
  return undefined;
}

function canonicalHeader(name: string): string | undefined {
  return Object.keys(allowedHeaders).find((allowed) => allowed.toLowerCase() === name.toLowerCase());
}

/** Reads, validates and loads everything the file names; throws ConfigError listing the problems. */
export async function loadWebConfig(file: string): Promise<WebConfig> {
  const parsed = parseYaml(await readConfigFile(file), file, schema);
  const { value } = parsed;
  const config: WebConfig = {
    headers: {},
    basicAuthUsers: new Map(Object.entries(value.basic_auth_users ?? {})),
    notes: [],
  };
  for (const [name, headerValue] of Object.entries(value.http_server_config?.headers ?? {})) {
    config.headers[canonicalHeader(name) ?? name] = headerValue;
  }
  const limit = value.rate_limit;
  if (limit && limit.interval > 0) config.rateLimit = { intervalMs: limit.interval, burst: limit.burst };
  if (value.tls_server_config) config.tls = await loadTls(file, value.tls_server_config, parsed, config.notes);
  return config;
}

async function loadTls(
  file: string,
  tls: z.output<typeof tlsServerConfig>,
  parsed: ParsedYaml<unknown>,
  notes: string[],
): Promise<TlsSettings> {
  // Relative to the config file, as exporter-toolkit resolves them, not to the agent's working folder.
  const folder = dirname(resolve(file));
  const source = (path: string | undefined, inline: string | undefined) =>
    path !== undefined ? { file: resolve(folder, path) } : { inline: inline ?? "" };
  const sources: TlsSources = {
    cert: source(tls.cert_file, tls.cert),
    key: source(tls.key_file, tls.key),
  };
  if (tls.client_ca_file !== undefined || tls.client_ca !== undefined) {
    sources.clientCa = source(tls.client_ca_file, tls.client_ca);
  }
  let material: Awaited<ReturnType<typeof loadTlsMaterial>>;
  try {
    material = await loadTlsMaterial(sources, (warning) => notes.push(warning));
  } catch (error) {
    if (!(error instanceof TlsMaterialError)) throw error;
    throw new ConfigError(file, [parsed.issueAt(["tls_server_config", error.field], error.message)]);
  }

  const unverified = tls.client_auth_type === "RequestClientCert" || tls.client_auth_type === "RequireAnyClientCert";
  if (unverified && sources.clientCa !== undefined) {
    notes.push(
      `tls_server_config.${"file" in sources.clientCa ? "client_ca_file" : "client_ca"} is not used with ${tls.client_auth_type}, which does not verify certificates`,
    );
  }

  const settings: TlsSettings = {
    ...("file" in sources.cert ? { certFile: sources.cert.file } : {}),
    ...("file" in sources.key ? { keyFile: sources.key.file } : {}),
    ...(sources.clientCa && "file" in sources.clientCa ? { clientCaFile: sources.clientCa.file } : {}),
    ...material,
    clientAuth: tls.client_auth_type,
    minVersion: versions[tls.min_version],
  };
  if (tls.max_version) settings.maxVersion = versions[tls.max_version];
  if (tls.client_allowed_sans) settings.allowedSans = [...tls.client_allowed_sans];
  if (tls.cipher_suites) {
    settings.ciphers = [tls13Suites, ...tls.cipher_suites.map((name) => cipherSuites[name])].filter(Boolean).join(":");
  }
  if (tls.curve_preferences) settings.ecdhCurve = tls.curve_preferences.map((name) => curves[name]).join(":");
  if (tls.prefer_server_cipher_suites !== undefined) settings.honorCipherOrder = tls.prefer_server_cipher_suites;
  return settings;
}
