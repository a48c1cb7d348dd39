/**
 * A throwaway PKI made with the openssl command at test time: a CA, a server certificate for
 * 127.0.0.1, a client certificate from that CA, one from a second CA nobody trusts, and a key that
 * belongs to no certificate. EC P-256 keys keep generation to a few milliseconds each.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Signed by a CA the server does not trust. */
  strangerCert: string;
  strangerKey: string;
  /** A valid key that matches no certificate here. */
  otherKey: string;
  remove(): Promise<void>;
}

/** `parent`: where the PKI's folder goes; the lab guest, with its own /tmp, needs the run's output folder. */
export async function makePki(parent = tmpdir()): Promise<Pki> {
  await run("openssl", ["version"]).catch(() => {
    throw new Error("the openssl command is missing (Debian package openssl); the TLS tests need it");
  });
  const dir = await mkdtemp(join(parent, "vrf-agent-pki-"));
  const at = (name: string) => join(dir, name);
  const key = (name: string) =>
    run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", at(name)]);
  const ca = async (name: string) => {
    await key(`${name}.key`);
    await run("openssl", [
      ...["req", "-x509", "-new", "-key", at(`${name}.key`), "-out", at(`${name}.crt`), "-days", "2"],
      ...["-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE"],
      ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ]);
  };
  const leaf = async (name: string, signer: string, extensions: string) => {
    await key(`${name}.key`);
    await run("openssl", ["req", "-new", "-key", at(`${name}.key`), "-out", at(`${name}.csr`), "-subj", `/CN=${name}`]);
    await writeFile(at(`${name}.ext`), extensions);
    await run("openssl", [
      ...["x509", "-req", "-in", at(`${name}.csr`), "-CA", at(`${signer}.crt`), "-CAkey", at(`${signer}.key`)],
      ...["-CAcreateserial", "-out", at(`${name}.crt`), "-days", "2", "-extfile", at(`${name}.ext`)],
    ]);
  };

  await ca("ca");
  await ca("stranger-ca");
  await leaf("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  await leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
  await leaf("stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
  await key("other.key");
  return {
    dir,
    caCert: at("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    strangerCert: at("stranger.crt"),
    strangerKey: at("stranger.key"),
    otherKey: at("other.key"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
