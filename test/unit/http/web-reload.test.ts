/**
 * The web config re-read when its files change, without a SIGHUP: a rotated certificate is served
 * from the next connection on while a connection already open goes on, a broken file keeps the
 * running config with one log line, and new users count from the next request.
 */
import { execFile } from "node:child_process";
import { readFile, rename, writeFile } from "node:fs/promises";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { promisify } from "node:util";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWebConfig } from "../../../agent/config/web-config.js";
import { WebConfigWatch } from "../../../agent/config/web-config-watch.js";
import { makePki, type Pki } from "../../support/pki.js";
import { get, serversStoppedAfterEach, startServer } from "./client.js";

const run = promisify(execFile);
let pki: Pki;
const running = serversStoppedAfterEach();

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki?.remove());

/** A fresh server certificate for 127.0.0.1 from the test CA, as a renewal would bring. */
async function renewedCertificate(name: string): Promise<{ cert: string; key: string }> {
  const at = (suffix: string) => join(pki.dir, `${name}.${suffix}`);
  await run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", at("key")]);
  await run("openssl", ["req", "-new", "-key", at("key"), "-out", at("csr"), "-subj", `/CN=${name}`]);
  await writeFile(at("ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  await run("openssl", [
    ...["x509", "-req", "-in", at("csr"), "-CA", pki.caCert, "-CAkey", join(pki.dir, "ca.key")],
    ...["-CAcreateserial", "-out", at("crt"), "-days", "2", "-extfile", at("ext")],
  ]);
  return { cert: at("crt"), key: at("key") };
}

/** The serial of the certificate a new TLS connection is served. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca: [pkiCa] }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}
let pkiCa = "";

const serialOf = async (file: string) => {
  const { stdout } = await run("openssl", ["x509", "-in", file, "-noout", "-serial"]);
  return stdout
    .trim()
    .replace(/^serial=/, "")
    .toUpperCase();
};

/** A scrape over `agent`'s one kept-alive connection; the serial that connection was served. */
function scrapeOver(agent: Agent, port: number): Promise<{ status: number; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/metrics", agent, ca: [pkiCa] }, (response) => {
      const serial = (response.socket as TLSSocket).getPeerCertificate().serialNumber;
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, serial }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the web config re-read when its files change", () => {
  it("serves a rotated certificate from the next connection on, and keeps the open one", async () => {
    pkiCa = await readFile(pki.caCert, "utf8");
    const cert = join(pki.dir, "live.crt");
    const key = join(pki.dir, "live.key");
    await writeFile(cert, await readFile(pki.serverCert));
    await writeFile(key, await readFile(pki.serverKey), { mode: 0o600 });
    const file = join(pki.dir, "web-live.yml");
    await writeFile(file, "tls_server_config:\n  cert_file: live.crt\n  key_file: live.key\n");
    const { server, logs } = await startServer({ web: await loadWebConfig(file), webConfigFile: file });
    running.push(server);
    const { port } = server.address();
    const first = await serialOf(pki.serverCert);
    expect(await servedSerial(port)).toBe(first);

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await scrapeOver(agent, port)).toEqual({ status: 200, serial: first });
      // As certbot or cert-manager do it: new files renamed over the old ones.
      const renewed = await renewedCertificate("renewed");
      await rename(renewed.key, key);
      await rename(renewed.cert, cert);
      const second = await serialOf(cert);
      expect(second).not.toBe(first);
      expect(await servedSerial(port)).toBe(second);
      // The scrape on the connection opened before goes on, on its handshake's certificate.
      expect(await scrapeOver(agent, port)).toEqual({ status: 200, serial: first });
      expect(logs.join("").match(/web config reloaded/g)).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });

  it("keeps the running config when a changed file does not load, and says so once", async () => {
    pkiCa = await readFile(pki.caCert, "utf8");
    const key = join(pki.dir, "broken.key");
    await writeFile(key, await readFile(pki.serverKey), { mode: 0o600 });
    const file = join(pki.dir, "web-broken.yml");
    await writeFile(file, `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: broken.key\n`);
    const { server, logs } = await startServer({ web: await loadWebConfig(file), webConfigFile: file });
    running.push(server);
    const { port } = server.address();
    await writeFile(key, "not a key\n");
    for (let i = 0; i < 3; i++) expect(await servedSerial(port)).toBe(await serialOf(pki.serverCert));
    expect(logs.join("").match(/web config changed but does not load; the running one stays/g)).toHaveLength(1);
    expect(logs.join("")).toMatch(/broken\.key is not a PEM private key/);
    // Put right, it is read again.
    await writeFile(key, await readFile(pki.serverKey), { mode: 0o600 });
    expect(await servedSerial(port)).toBe(await serialOf(pki.serverCert));
    expect(logs.join("").match(/web config reloaded/g)).toHaveLength(1);
  });

  it("takes new basic_auth_users from the next request, on plain HTTP too", async () => {
    const users = (password: string) => `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(password, 4)}\n`;
    const file = join(pki.dir, "web-users.yml");
    await writeFile(file, users("first"));
    const { server } = await startServer({ web: await loadWebConfig(file), webConfigFile: file });
    running.push(server);
    expect((await get(server, "/metrics", { auth: "prometheus:first" })).status).toBe(200);
    await writeFile(file, users("second"));
    expect((await get(server, "/metrics", { auth: "prometheus:first" })).status).toBe(401);
    expect((await get(server, "/metrics", { auth: "prometheus:second" })).status).toBe(200);
  });

  it("sees no change while nothing changed, and one after a file is touched", async () => {
    const file = join(pki.dir, "web-watch.yml");
    await writeFile(file, "basic_auth_users:\n");
    const watch = new WebConfigWatch(file, await loadWebConfig(file));
    expect(watch.changed()).toBe(false);
    await writeFile(file, "basic_auth_users:\n\n");
    expect(watch.changed()).toBe(true);
  });
});
