/**
 * The web config file of the Prometheus exporters (exporter-toolkit's `--web.config.file`): TLS,
 * basic auth and extra headers, in the same format so one file serves every exporter on a host.
 * Differences: TLS below 1.2 is refused, settings Node cannot honour are accepted and reported in
 * `notes`, and unknown keys are errors (an ignored security setting would fail open).
 */
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { loadTlsMaterial, TlsMaterialError } from "./tls-material.js";
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
  /** Absolute paths, as resolved against the config file's folder. */
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  clientAuth: ClientAuthType;
  minVersion: TlsVersion;
  maxVersion?: TlsVersion;
}

export interface WebConfig {
  tls?: TlsSettings;
  /** Extra response headers, on every response. */
  headers: Record<string, string>;
  /** User name to bcrypt hash; empty means no authentication. */
  basicAuthUsers: Map<string, string>;
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

const tlsServerConfig = z
  .strictObject({
    cert_file: z.string().min(1, "must not be empty"),
    key_file: z.string().min(1, "must not be empty"),
    client_ca_file: z.string().min(1, "must not be empty").optional(),
    client_auth_type: z.enum(clientAuthTypes).default("NoClientCert"),
    min_version: tlsVersion.default("TLS12"),
    max_version: tlsVersion.optional(),
    cipher_suites: z.array(z.string()).optional(),
    curve_preferences: z.array(z.string()).optional(),
    prefer_server_cipher_suites: z.boolean().optional(),
  })
  .superRefine((tls, context) => {
    const verifies =
      tls.client_auth_type === "VerifyClientCertIfGiven" || tls.client_auth_type === "RequireAndVerifyClientCert";
    if (verifies && tls.client_ca_file === undefined) {
      context.addIssue({ code: "custom", path: ["client_ca_file"], message: `required with ${tls.client_auth_type}` });
    }
    if (tls.client_ca_file !== undefined && tls.client_auth_type === "NoClientCert") {
      context.addIssue({
        code: "custom",
        path: ["client_ca_file"],
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
      http2: z.boolean().optional(),
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
  basic_auth_users: section(
    z.record(
      z.string().refine((user) => !user.includes(":"), "a user name cannot contain ':' (basic auth splits on it)"),
      z.string().regex(bcryptHash, "is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31)"),
    ),
  ),
});

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
  if (value.http_server_config?.http2 !== undefined) {
    config.notes.push("http_server_config.http2 is ignored: the agent serves HTTP/1.1");
  }
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
  const files = {
    certFile: resolve(folder, tls.cert_file),
    keyFile: resolve(folder, tls.key_file),
    ...(tls.client_ca_file !== undefined ? { clientCaFile: resolve(folder, tls.client_ca_file) } : {}),
  };
  let material: Awaited<ReturnType<typeof loadTlsMaterial>>;
  try {
    material = await loadTlsMaterial(files, (warning) => notes.push(warning));
  } catch (error) {
    if (!(error instanceof TlsMaterialError)) throw error;
    throw new ConfigError(file, [parsed.issueAt(["tls_server_config", error.field], error.message)]);
  }

  if (tls.cipher_suites) notes.push("tls_server_config.cipher_suites is ignored: OpenSSL's default suites are used");
  if (tls.curve_preferences)
    notes.push("tls_server_config.curve_preferences is ignored: OpenSSL's default groups are used");
  if (tls.prefer_server_cipher_suites !== undefined)
    notes.push("tls_server_config.prefer_server_cipher_suites is ignored");
  const unverified = tls.client_auth_type === "RequestClientCert" || tls.client_auth_type === "RequireAnyClientCert";
  if (unverified && tls.client_ca_file !== undefined) {
    notes.push(
      `tls_server_config.client_ca_file is not used with ${tls.client_auth_type}, which does not verify certificates`,
    );
  }

  const settings: TlsSettings = {
    ...files,
    ...material,
    clientAuth: tls.client_auth_type,
    minVersion: versions[tls.min_version],
  };
  if (tls.max_version) settings.maxVersion = versions[tls.max_version];
  return settings;
}
