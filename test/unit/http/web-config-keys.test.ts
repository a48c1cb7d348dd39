/**
 * The exporter-toolkit keys beyond cert_file, key_file and client auth, each through a real
 * server on loopback: inline PEMs, client_allowed_sans, cipher_suites, curve_preferences,
 * rate_limit; and the keys the agent cannot honour, refused in one line.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWebConfig } from "../../../agent/config/web-config.js";
import { ConfigError } from "../../../agent/config/yaml-file.js";
import { TokenBucket } from "../../../agent/http/rate-limit.js";
import type { HttpServer } from "../../../agent/http/server.js";
import { subjectAltNames } from "../../../agent/http/tls-options.js";
import { makePki, type Pki } from "../../support/pki.js";
import { get, serversStoppedAfterEach, startServer } from "./client.js";

const run = promisify(execFile);
let pki: Pki;
let sanCert: string;
let sanKey: string;
const running = serversStoppedAfterEach();

beforeAll(async () => {
  pki = await makePki();
  // A client certificate from the test CA with SANs to match.
  sanKey = join(pki.dir, "san.key");
  sanCert = join(pki.dir, "san.crt");
  await run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", sanKey]);
  await run("openssl", ["req", "-new", "-key", sanKey, "-out", join(pki.dir, "san.csr"), "-subj", "/CN=san"]);
  await writeFile(
    join(pki.dir, "san.ext"),
    "subjectAltName=DNS:prometheus.example,URI:spiffe://example/prometheus,IP:::1\nextendedKeyUsage=clientAuth\n",
  );
  await run("openssl", [
    ...["x509", "-req", "-in", join(pki.dir, "san.csr"), "-CA", pki.caCert, "-CAkey", join(pki.dir, "ca.key")],
    ...["-CAcreateserial", "-out", sanCert, "-days", "2", "-extfile", join(pki.dir, "san.ext")],
  ]);
});
afterAll(() => pki?.remove());

async function serverFrom(yaml: string): Promise<HttpServer> {
  const file = join(pki.dir, "web.yml");
  await writeFile(file, yaml);
  const { server } = await startServer({ web: await loadWebConfig(file) });
  running.push(server);
  return server;
}

async function problem(yaml: string): Promise<string> {
  const file = join(pki.dir, "bad.yml");
  await writeFile(file, yaml);
  const error = await loadWebConfig(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error.issues.map((issue) => `${issue.field}: ${issue.message}`).join("; ");
}

const indent = (pem: string) => pem.trimEnd().replace(/^/gm, "    ");

async function status(server: HttpServer, cert?: string, key?: string): Promise<number | string> {
  try {
    const tls = { ca: pki.caCert, ...(cert && key ? { cert, key } : {}) };
    return (await get(server, "/metrics", { tls })).status;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/** The cipher a TLS 1.2 handshake limited to `ciphers` agrees on, or the error code. */
function negotiated(server: HttpServer, ciphers: string, ecdhCurve?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port: server.address().port,
      rejectUnauthorized: false,
      maxVersion: "TLSv1.2",
      ciphers,
      ...(ecdhCurve ? { ecdhCurve } : {}),
    });
    socket.once("secureConnect", () => {
      resolve(socket.getCipher().standardName);
      socket.destroy();
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("tls_server_config", () => {
  it("serves an inline cert and key (and client_ca) as exporter-toolkit takes them", async () => {
    const [cert, key, ca] = await Promise.all(
      [pki.serverCert, pki.serverKey, pki.caCert].map((f) => readFile(f, "utf8")),
    );
    const server = await serverFrom(
      `tls_server_config:\n  cert: |\n${indent(cert ?? "")}\n  key: |\n${indent(key ?? "")}\n  client_ca: |\n${indent(ca ?? "")}\n  client_auth_type: RequireAndVerifyClientCert\n`,
    );
    expect(await status(server, pki.clientCert, pki.clientKey)).toBe(200);
    expect(await status(server)).not.toBe(200);
  });

  it("refuses a cert given both inline and as a file, and a key given neither way", async () => {
    const cert = await readFile(pki.serverCert, "utf8");
    expect(
      await problem(
        `tls_server_config:\n  cert_file: server.crt\n  cert: |\n${indent(cert)}\n  key_file: server.key\n`,
      ),
    ).toBe("tls_server_config.cert: and cert_file are exclusive: give one");
    expect(await problem("tls_server_config:\n  cert_file: server.crt\n")).toBe(
      "tls_server_config.key_file: is required (or key, inline)",
    );
  });

  it("lets in only a client whose certificate has one of client_allowed_sans", async () => {
    const tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n";
    const auth = "  client_auth_type: RequireAndVerifyClientCert\n";
    const allowed = await serverFrom(
      `${tls}${auth}  client_allowed_sans: [other.example, spiffe://example/prometheus]\n`,
    );
    expect(await status(allowed, sanCert, sanKey)).toBe(200);
    expect(await status(allowed, pki.clientCert, pki.clientKey)).toMatch(/^(ECONNRESET|ERR_SSL_|socket hang up)/);
    await allowed.stop();
    const ip = await serverFrom(`${tls}${auth}  client_allowed_sans: ["::1"]\n`);
    expect(await status(ip, sanCert, sanKey)).toBe(200);
    expect(await problem(`${tls}  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n`)).toMatch(
      /client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert/,
    );
  });

  it("reads SANs as Node writes them, quoted values included", () => {
    expect(subjectAltNames('DNS:a.example, IP Address:0:0:0:0:0:0:0:1, email:x@y, URI:"spiffe://a,b"')).toEqual([
      "a.example",
      "::1",
      "x@y",
      "spiffe://a,b",
    ]);
    expect(subjectAltNames(undefined)).toEqual([]);
  });

  it("offers only the cipher_suites and curve_preferences given, in Go's names", async () => {
    const server = await serverFrom(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n  curve_preferences: [CurveP384]\n  prefer_server_cipher_suites: true\n",
    );
    expect(await negotiated(server, "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256")).toBe(
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    );
    expect(await negotiated(server, "ECDHE-ECDSA-AES128-GCM-SHA256")).toMatch(/^ERR_SSL/);
    expect(await negotiated(server, "ECDHE-ECDSA-AES256-GCM-SHA384", "P-256")).toMatch(/^ERR_SSL/);
    expect(
      await problem("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [RC4]\n"),
    ).toMatch(/cipher_suites\[0\]: is not a cipher suite Go offers/);
  });
});

describe("http_server_config.http2", () => {
  it("accepts false and refuses true in one line: the agent serves HTTP/1.1", async () => {
    await serverFrom("http_server_config:\n  http2: false\n");
    expect(await problem("http_server_config:\n  http2: true\n")).toBe(
      "http_server_config.http2: true is not supported: the agent serves HTTP/1.1 (set false or leave it out)",
    );
  });
});

describe("rate_limit", () => {
  it("is a token bucket: burst at once, then one per interval", () => {
    let now = 0;
    const bucket = new TokenBucket({ intervalMs: 100, burst: 2 }, () => now);
    expect([bucket.allow(), bucket.allow(), bucket.allow()]).toEqual([true, true, false]);
    now = 99;
    expect(bucket.allow()).toBe(false);
    now = 150;
    expect([bucket.allow(), bucket.allow()]).toEqual([true, false]);
    now = 10_000;
    expect([bucket.allow(), bucket.allow(), bucket.allow()]).toEqual([true, true, false]);
  });

  it("answers 429 past the burst, on every path, and is off with interval 0", async () => {
    const limited = await serverFrom("rate_limit:\n  interval: 1h\n  burst: 2\n");
    expect((await get(limited, "/metrics")).status).toBe(200);
    expect((await get(limited, "/-/healthy")).status).toBe(200);
    expect(await get(limited, "/metrics")).toMatchObject({ status: 429, body: "Too Many Requests\n" });
    expect((await get(limited, "/")).status).toBe(429);
    const off = await serverFrom("rate_limit:\n  interval: 0\n  burst: 0\n");
    for (let i = 0; i < 5; i++) expect((await get(off, "/metrics")).status).toBe(200);
  });

  it("takes Go durations and refuses what Go would not parse, and a burst that lets nothing in", async () => {
    const file = join(pki.dir, "rate.yml");
    await writeFile(file, "rate_limit:\n  interval: 1m30.5s\n  burst: 3\n");
    expect((await loadWebConfig(file)).rateLimit).toEqual({ intervalMs: 90_500, burst: 3 });
    expect(await problem("rate_limit:\n  interval: 10\n  burst: 1\n")).toMatch(/rate_limit\.interval: /);
    expect(await problem("rate_limit:\n  interval: 1 minute\n  burst: 1\n")).toBe(
      "rate_limit.interval: is not a duration (such as 100ms, 1s or 1m30s)",
    );
    expect(await problem("rate_limit:\n  interval: 1s\n  burst: 0\n")).toBe(
      "rate_limit.burst: must be at least 1, or no request is let in",
    );
  });
});
