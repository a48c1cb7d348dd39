import { chmod, copyFile, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyWebConfig, loadWebConfig } from "../../../agent/config/web-config.js";
import { ConfigError } from "../../../agent/config/yaml-file.js";
import { makePki, type Pki } from "../../support/pki.js";

let pki: Pki;
let hash: string;
let counter = 0;

beforeAll(async () => {
  pki = await makePki();
  hash = await bcrypt.hash("s3cret", 4);
});
afterAll(() => pki?.remove());

/** Writes the config next to the certificates, so relative names resolve against that folder. */
async function configFile(text: string): Promise<string> {
  counter += 1;
  const file = join(pki.dir, `web-${counter}.yml`);
  await writeFile(file, text);
  return file;
}

/** A TLS section naming the generated files by their bare names (relative to the config file). */
function tlsSection(extra = "", files: { cert?: string; key?: string } = {}): string {
  return `tls_server_config:
  cert_file: ${files.cert ?? basename(pki.serverCert)}
  key_file: ${files.key ?? basename(pki.serverKey)}
${extra}`;
}

async function problems(text: string): Promise<string[]> {
  const file = await configFile(text);
  try {
    await loadWebConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.file).toBe(file);
    return error.issues.map((issue) => `${issue.line}:${issue.column} ${issue.field}: ${issue.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("the exporter-toolkit web config", () => {
  it("loads TLS, client auth, headers and users, resolving files against the config's folder", async () => {
    const config = await loadWebConfig(
      await configFile(`${tlsSection(`  client_ca_file: ca.crt
  client_auth_type: RequireAndVerifyClientCert
  min_version: TLS13
  cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP256]
  prefer_server_cipher_suites: true
`)}http_server_config:
  http2: false
  headers:
    x-frame-options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  prometheus: "${hash}"
`),
    );
    expect(config.tls).toMatchObject({
      certFile: pki.serverCert,
      keyFile: pki.serverKey,
      clientCaFile: pki.caCert,
      clientAuth: "RequireAndVerifyClientCert",
      minVersion: "TLSv1.3",
      ciphers:
        "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
      ecdhCurve: "X25519:P-256",
      honorCipherOrder: true,
    });
    expect(config.tls?.cert).toEqual(await readFile(pki.serverCert));
    expect(config.tls?.ca).toEqual(await readFile(pki.caCert));
    expect(config.headers).toEqual({ "X-Frame-Options": "deny", "Strict-Transport-Security": "max-age=31536000" });
    expect([...config.basicAuthUsers]).toEqual([["prometheus", hash]]);
    expect(config.notes).toEqual([]);
  });

  it("defaults to TLS 1.2 and no client certificate; an empty file or section means plain HTTP", async () => {
    const config = await loadWebConfig(await configFile(tlsSection()));
    expect(config.tls).toMatchObject({ clientAuth: "NoClientCert", minVersion: "TLSv1.2" });
    expect(config.tls?.maxVersion).toBeUndefined();
    const empty = await loadWebConfig(await configFile("tls_server_config:\nbasic_auth_users:\n"));
    expect(empty).toEqual(emptyWebConfig());
  });

  it("refuses TLS versions below 1.2 and a maximum below the minimum", async () => {
    expect(await problems(tlsSection("  min_version: TLS11\n"))).toEqual([
      "4:16 tls_server_config.min_version: must be TLS12 or TLS13 (TLS 1.0 and 1.1 are refused: both are deprecated by RFC 8996) (got TLS11)",
    ]);
    expect(await problems(tlsSection("  min_version: TLS13\n  max_version: TLS12\n"))).toEqual([
      "5:16 tls_server_config.max_version: is below min_version",
    ]);
  });

  it("checks client_auth_type and the CA it needs", async () => {
    expect((await problems(tlsSection("  client_auth_type: RequireClientCert\n")))[0]).toMatch(
      /^4:21 tls_server_config.client_auth_type: must be one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert \(got RequireClientCert\)$/,
    );
    expect(await problems(tlsSection("  client_auth_type: VerifyClientCertIfGiven\n"))).toEqual([
      "1:1 tls_server_config.client_ca_file: required with VerifyClientCertIfGiven",
    ]);
    expect(await problems(tlsSection("  client_ca_file: ca.crt\n"))).toEqual([
      "4:19 tls_server_config.client_ca_file: is set but client_auth_type is NoClientCert, so no client certificate would be checked",
    ]);
  });

  it("says which file is missing, not PEM, or does not match", async () => {
    expect(await problems(tlsSection("", { cert: "nope.crt" }))).toEqual([
      `2:14 tls_server_config.cert_file: cannot read ${join(pki.dir, "nope.crt")}: no such file or folder`,
    ]);
    const notPem = await configFile("just text\n");
    expect(await problems(tlsSection("", { key: basename(notPem) }))).toEqual([
      `3:13 tls_server_config.key_file: ${notPem} is not a PEM private key (no BEGIN PRIVATE KEY block)`,
    ]);
    expect(await problems(tlsSection("", { cert: basename(pki.serverKey) }))).toEqual([
      `2:14 tls_server_config.cert_file: ${pki.serverKey} is not a PEM certificate (no BEGIN CERTIFICATE block)`,
    ]);
    expect(await problems(tlsSection("", { key: basename(pki.otherKey) }))).toEqual([
      `3:13 tls_server_config.key_file: ${pki.otherKey} is not the key of the certificate in ${pki.serverCert}`,
    ]);
    expect(await problems(tlsSection("", { cert: pki.serverCert, key: '""' }))).toEqual([
      "3:13 tls_server_config.key_file: must not be empty",
    ]);
  });

  it("refuses a basic auth password that is not a bcrypt hash, without echoing it", async () => {
    const issues = await problems('basic_auth_users:\n  alice: "plain-password"\n  bob: "$6$salt$sha512crypt"\n');
    expect(issues).toEqual([
      "2:10 basic_auth_users.alice: is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31)",
      "3:8 basic_auth_users.bob: is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31)",
    ]);
    expect(issues.join("\n")).not.toContain("plain-password");
  });

  it("allows only exporter-toolkit's hardening headers", async () => {
    expect(
      await problems("http_server_config:\n  headers:\n    X-Powered-By: me\n    X-Frame-Options: allow\n"),
    ).toEqual([
      "3:19 http_server_config.headers.X-Powered-By: cannot be set (allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)",
      "4:22 http_server_config.headers.X-Frame-Options: must be one of deny, sameorigin",
    ]);
  });

  describe("the key file's mode", () => {
    /** A copy of the server key with this mode (octal, as chmod takes it), named after it. */
    async function keyWithMode(mode: string): Promise<string> {
      const key = join(pki.dir, `server-${mode}.key`);
      await copyFile(pki.serverKey, key);
      await chmod(key, Number.parseInt(mode, 8));
      return key;
    }

    it.for([
      ["0666", "its group and others"],
      ["0620", "its group"],
      ["0602", "others"],
    ])("refuses a key of mode %s, which %s can write", async ([mode = "", who = ""]) => {
      const key = await keyWithMode(mode);
      expect(await problems(tlsSection("", { key: basename(key) }))).toEqual([
        `3:13 tls_server_config.key_file: ${key} is an unprotected private key file: mode ${mode} lets ${who} write it (chmod go-w it)`,
      ]);
    });

    it("accepts a key every user can read, saying so in the notes", async () => {
      const key = await keyWithMode("0644");
      const config = await loadWebConfig(await configFile(tlsSection("", { key: basename(key) })));
      expect(config.tls?.key).toEqual(await readFile(pki.serverKey));
      expect(config.notes).toEqual([
        `tls_server_config.key_file ${key} is readable by every user of this host (mode 0644): chmod o-r it`,
      ]);
    });

    it.for(["0600", "0640", "0400"])("accepts a key of mode %s quietly", async (mode) => {
      const key = await keyWithMode(mode);
      const config = await loadWebConfig(await configFile(tlsSection("", { key: basename(key) })));
      expect(config.notes).toEqual([]);
    });
  });

  it("treats an unknown key as an error, since an ignored security setting would fail open", async () => {
    expect(await problems(tlsSection("  client_allowed_names: [prometheus]\n"))).toEqual([
      "4:3 tls_server_config.client_allowed_names: unknown key",
    ]);
    expect(await problems("basic_auth:\n  alice: x\n")).toEqual(["1:1 basic_auth: unknown key"]);
  });
});
