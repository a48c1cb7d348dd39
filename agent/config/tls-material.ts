/**
 * The certificate, key and client CA a web config names, read and checked at load time, so a bad
 * file stops the agent with a message naming the file instead of failing every scrape's handshake.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { fsReason } from "./yaml-file.js";

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** The web config field whose file is at fault, so the caller can point at its line. */
export type TlsFileField = "cert_file" | "key_file" | "client_ca_file";

export class TlsMaterialError extends Error {
  constructor(
    readonly field: TlsFileField,
    message: string,
  ) {
    super(message);
    this.name = "TlsMaterialError";
  }
}

export async function loadTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  const cert = await readPem("cert_file", files.certFile);
  checkCertificates("cert_file", files.certFile, cert);
  const key = await readPem("key_file", files.keyFile);
  checkKey(files.keyFile, key);
  const material: TlsMaterial = { cert, key };
  if (files.clientCaFile !== undefined) {
    material.ca = await readPem("client_ca_file", files.clientCaFile);
    checkCertificates("client_ca_file", files.clientCaFile, material.ca);
  }
  try {
    // What the server will build for every connection; building it once here catches a key that
    // belongs to another certificate, which the checks on each file alone cannot see.
    createSecureContext({ cert, key, ...(material.ca ? { ca: material.ca } : {}) });
  } catch (error) {
    const reason = (error as Error).message;
    if (/key values mismatch/i.test(reason)) {
      throw new TlsMaterialError("key_file", `${files.keyFile} is not the key of the certificate in ${files.certFile}`);
    }
    throw new TlsMaterialError(
      "cert_file",
      `${files.certFile} and ${files.keyFile} cannot be used together: ${reason}`,
    );
  }
  return material;
}

async function readPem(field: TlsFileField, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new TlsMaterialError(field, `cannot read ${file}: ${fsReason(error)}`);
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

function checkKey(file: string, pem: Buffer): void {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem.toString("latin1"))) {
    throw new TlsMaterialError("key_file", `${file} is not a PEM private key (no BEGIN PRIVATE KEY block)`);
  }
  // exporter-toolkit has no passphrase setting either; an encrypted key could never be opened.
  if (pem.includes("ENCRYPTED")) throw new TlsMaterialError("key_file", `${file} is encrypted; the key must not be`);
  try {
    createPrivateKey(pem);
  } catch (error) {
    throw new TlsMaterialError("key_file", `${file} holds no valid private key: ${(error as Error).message}`);
  }
}
