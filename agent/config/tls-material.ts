/**
 * The certificate, key and client CA a web config names, read and checked at load time, so a bad
 * file stops the agent with a message naming the file instead of failing every scrape's handshake.
 * The key's mode is checked as ssh checks one ("UNPROTECTED PRIVATE KEY FILE").
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { fsReason } from "./yaml-file.js";

/** A PEM from a file (an absolute path), or written into the web config itself. */
export type PemSource = { file: string } | { inline: string };

export interface TlsSources {
  cert: PemSource;
  key: PemSource;
  clientCa?: PemSource;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** The web config field whose file is at fault, so the caller can point at its line. */
export type TlsFileField = "cert_file" | "key_file" | "client_ca_file" | "cert" | "key" | "client_ca";

export class TlsMaterialError extends Error {
  constructor(
    readonly field: TlsFileField,
    message: string,
  ) {
    super(message);
    this.name = "TlsMaterialError";
  }
}

/** `warn` hears what is accepted but unsafe, for the caller to log. */
export async function loadTlsMaterial(sources: TlsSources, warn: (message: string) => void): Promise<TlsMaterial> {
  const certField = "file" in sources.cert ? "cert_file" : "cert";
  const certName = nameOf(sources.cert, "cert");
  const cert =
    "file" in sources.cert ? await readPem("cert_file", sources.cert.file) : Buffer.from(sources.cert.inline);
  checkCertificates(certField, certName, cert);
  const keyField = "file" in sources.key ? "key_file" : "key";
  const keyName = nameOf(sources.key, "key");
  let key: Buffer;
  if ("file" in sources.key) {
    const read = await readKey(sources.key.file);
    checkKeyMode(sources.key.file, read.mode, warn);
    key = read.pem;
  } else key = Buffer.from(sources.key.inline);
  checkKey(keyField, keyName, key);
  const material: TlsMaterial = { cert, key };
  if (sources.clientCa !== undefined) {
    const caField = "file" in sources.clientCa ? "client_ca_file" : "client_ca";
    material.ca =
      "file" in sources.clientCa ? await readPem(caField, sources.clientCa.file) : Buffer.from(sources.clientCa.inline);
    checkCertificates(caField, nameOf(sources.clientCa, "client_ca"), material.ca);
  }
  try {
    createSecureContext({ cert, key, ...(material.ca ? { ca: material.ca } : {}) });
  } catch (error) {
    const reason = (error as Error).message;
    if (/key values mismatch/i.test(reason)) {
      throw new TlsMaterialError(keyField, `${keyName} is not the key of the certificate in ${certName}`);
    }
    throw new TlsMaterialError(certField, `${certName} and ${keyName} cannot be used together: ${reason}`);
  }
  return material;
}

/** How messages name a PEM: its file, or the inline key that holds it. */
function nameOf(source: PemSource, inlineKey: string): string {
  return "file" in source ? source.file : `the inline tls_server_config.${inlineKey}`;
}

async function readPem(field: TlsFileField, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new TlsMaterialError(field, `cannot read ${file}: ${fsReason(error)}`);
  }
}

/** The key and the mode of the very file read (fstat on the open file, not a second lookup of the name). */
async function readKey(file: string): Promise<{ pem: Buffer; mode: number }> {
  try {
    const handle = await open(file, "r");
    try {
      const { mode } = await handle.stat();
      return { pem: await handle.readFile(), mode: mode & 0o777 };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new TlsMaterialError("key_file", `cannot read ${file}: ${fsReason(error)}`);
  }
}

/**
 * A key others can write can be replaced by one of theirs (whose certificate, beside it, is rarely
 * better kept), so it is refused. A key others can read lets any user of the host pose as the
 * agent, but shared keys are a deliberate choice some make, so that is said and accepted;
 * group-readable (0640, a ssl-cert group) is the usual way to share one and passes quietly.
 */
function checkKeyMode(file: string, mode: number, warn: (message: string) => void): void {
  const octal = `0${mode.toString(8).padStart(3, "0")}`;
  const writers = [mode & 0o020 ? "its group" : "", mode & 0o002 ? "others" : ""].filter(Boolean);
  if (writers.length > 0) {
    throw new TlsMaterialError(
      "key_file",
      `${file} is an unprotected private key file: mode ${octal} lets ${writers.join(" and ")} write it (chmod go-w it)`,
    );
  }
  if ((mode & 0o004) !== 0) {
    warn(`tls_server_config.key_file ${file} is readable by every user of this host (mode ${octal}): chmod o-r it`);
  }
}

function checkCertificates(field: TlsFileField, file: string, pem: Buffer): void {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new TlsMaterialError(field, `${file} is not a PEM certificate (no BEGIN CERTIFICATE block)`);
  }
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new TlsMaterialError(field, `${file} holds no valid certificate: ${(error as Error).message}`);
  }
}

function checkKey(field: TlsFileField, file: string, pem: Buffer): void {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem.toString("latin1"))) {
    throw new TlsMaterialError(field, `${file} is not a PEM private key (no BEGIN PRIVATE KEY block)`);
  }
  // exporter-toolkit has no passphrase setting either; an encrypted key could never be opened.
  if (pem.includes("ENCRYPTED")) throw new TlsMaterialError(field, `${file} is encrypted; the key must not be`);
  try {
    createPrivateKey(pem);
  } catch (error) {
    throw new TlsMaterialError(field, `${file} holds no valid private key: ${(error as Error).message}`);
  }
}
