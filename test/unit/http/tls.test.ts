/**
 * TLS as a scraper meets it: a real HTTPS server from a web config file, certificates made by the
 * openssl command for this run, and node's own TLS client on loopback.
 */
import { readFile, writeFile } from "node:fs/promises";
import { connect as connectTcp } from "node:net";
import { join } from "node:path";
import { connect, createServer, type SecureVersion } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClientAuthType, loadWebConfig } from "../../../agent/config/web-config.js";
import type { HttpServer } from "../../../agent/http/server.js";
import { makePki, type Pki } from "../../support/pki.js";
import { type ClientTls, get, serversStoppedAfterEach, startServer } from "./client.js";

let pki: Pki;
const running = serversStoppedAfterEach();

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki?.remove());

/** Starts a server from a web config file written the way an operator would, relative names included. */
async function tlsServer(clientAuth: ClientAuthType, extra = ""): Promise<HttpServer> {
  const file = join(pki.dir, `web-${clientAuth}.yml`);
  const ca = clientAuth === "NoClientCert" ? "" : "  client_ca_file: ca.crt\n";
  await writeFile(
    file,
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n${ca}  client_auth_type: ${clientAuth}\n${extra}`,
  );
  const { server } = await startServer({ web: await loadWebConfig(file) });
  running.push(server);
  return server;
}

const anonymous = (): ClientTls => ({ ca: pki.caCert });
const trusted = (): ClientTls => ({ ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey });
const stranger = (): ClientTls => ({ ca: pki.caCert, cert: pki.strangerCert, key: pki.strangerKey });

/**
 * How a refused client sees it: a TLS alert, or (when the server drops the connection after a
 * TLS 1.3 handshake the client already thought complete) a reset; never a certificate check of its own.
 */
const refused = expect.stringMatching(/^(ERR_SSL_TLSV1\d?_ALERT_[A-Z_]+|ECONNRESET)$/);

/** The status, or the client's error code when the connection was refused. */
async function outcome(server: HttpServer, tls: ClientTls): Promise<number | string> {
  try {
    return (await get(server, "/metrics", { tls })).status;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

/** Whether a bare TLS handshake limited to `version` completes; the error code when it does not. */
function handshake(port: number, version: SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      minVersion: version,
      maxVersion: version,
      // OpenSSL 3 will not even offer TLS 1.0/1.1 at its default security level; level 0 makes the
      // client try, so that the refusal measured is the server's.
      ciphers: "DEFAULT@SECLEVEL=0",
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => {
      resolve(`connected ${socket.getProtocol()}`);
      socket.destroy();
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("TLS from the web config", () => {
  it("serves HTTPS with the configured certificate", async () => {
    const server = await tlsServer("NoClientCert");
    expect(await get(server, "/metrics", { tls: anonymous() })).toMatchObject({ status: 200, body: "up 1\n" });
  });

  it("refuses TLS 1.1, which this client can speak, and accepts TLS 1.2", async () => {
    // The control: the same client completes a TLS 1.1 handshake with a server that allows it.
    const legacy = createServer({
      cert: await readFile(pki.serverCert),
      key: await readFile(pki.serverKey),
      minVersion: "TLSv1.1",
      ciphers: "DEFAULT@SECLEVEL=0",
    });
    await new Promise<void>((resolve) => legacy.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = legacy.address() as { port: number };
      expect(await handshake(port, "TLSv1.1")).toBe("connected TLSv1.1");
    } finally {
      await new Promise((resolve) => legacy.close(resolve));
    }

    const server = await tlsServer("NoClientCert");
    expect(await handshake(server.address().port, "TLSv1.1")).toBe("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
    expect(await handshake(server.address().port, "TLSv1.2")).toBe("connected TLSv1.2");
  });

  it("holds to min_version TLS13", async () => {
    const server = await tlsServer("NoClientCert", "  min_version: TLS13\n");
    expect(await handshake(server.address().port, "TLSv1.2")).toBe("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
    expect(await handshake(server.address().port, "TLSv1.3")).toBe("connected TLSv1.3");
  });

  it("RequireAndVerifyClientCert: refuses no certificate and a stranger's, lets the CA's client in", async () => {
    const server = await tlsServer("RequireAndVerifyClientCert");
    expect(await outcome(server, anonymous())).toEqual(refused);
    expect(await outcome(server, stranger())).toEqual(refused);
    expect(await outcome(server, trusted())).toBe(200);
  });

  it("VerifyClientCertIfGiven: lets anonymous clients in but refuses a certificate it cannot verify", async () => {
    const server = await tlsServer("VerifyClientCertIfGiven");
    expect(await outcome(server, anonymous())).toBe(200);
    expect(await outcome(server, trusted())).toBe(200);
    expect(await outcome(server, stranger())).toEqual(refused);
  });

  it("RequireAnyClientCert: wants a certificate but does not verify it", async () => {
    const server = await tlsServer("RequireAnyClientCert");
    expect(await outcome(server, anonymous())).toEqual(refused);
    expect(await outcome(server, stranger())).toBe(200);
  });

  it("RequestClientCert: asks, but lets everyone in", async () => {
    const server = await tlsServer("RequestClientCert");
    expect(await outcome(server, anonymous())).toBe(200);
    expect(await outcome(server, stranger())).toBe(200);
  });

  it("stops promptly while a client sits before its TLS handshake", async () => {
    const server = await tlsServer("NoClientCert");
    const silent = connectTcp(server.address().port, "127.0.0.1");
    const closed = new Promise((resolve) => silent.once("close", resolve));
    await new Promise((resolve) => silent.once("connect", resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const begun = performance.now();
    await server.stop();
    expect(performance.now() - begun).toBeLessThan(1000);
    await closed;
  });
});
