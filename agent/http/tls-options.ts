/**
 * exporter-toolkit's `client_auth_type` (Go's tls.ClientAuthType) in terms of Node's TLS server.
 * Node has two switches where Go has five modes: requestCert and rejectUnauthorized. The two modes
 * they cannot express are finished by `refusal()` on each connection once its handshake is done.
 */
import type { ServerOptions } from "node:https";
import type { TLSSocket } from "node:tls";
import type { TlsSettings } from "../config/web-config.js";

export function httpsOptions(tls: TlsSettings): ServerOptions {
  const options: ServerOptions = {
    cert: tls.cert,
    key: tls.key,
    minVersion: tls.minVersion,
    requestCert: tls.clientAuth !== "NoClientCert",
    // Only here does the handshake itself fail; the other modes must let unverified clients through.
    rejectUnauthorized: tls.clientAuth === "RequireAndVerifyClientCert",
  };
  if (tls.maxVersion) options.maxVersion = tls.maxVersion;
  if (tls.ca) options.ca = tls.ca;
  if (tls.ciphers) options.ciphers = tls.ciphers;
  if (tls.ecdhCurve) options.ecdhCurve = tls.ecdhCurve;
  if (tls.honorCipherOrder !== undefined) options.honorCipherOrder = tls.honorCipherOrder;
  return options;
}

/** Why an established connection must be dropped under these settings, or undefined to keep it. */
export function refusal(tls: Pick<TlsSettings, "clientAuth" | "allowedSans">, socket: TLSSocket): string | undefined {
  const mode = tls.clientAuth;
  const peer = socket.getPeerCertificate();
  // Node's way of saying "the client sent no certificate" is an empty object.
  const presented = Object.keys(peer).length > 0;
  if (tls.allowedSans && presented) {
    const sans = subjectAltNames(peer.subjectaltname);
    if (!sans.some((san) => tls.allowedSans?.includes(san))) {
      return `client certificate SANs (${sans.join(", ") || "none"}) match no entry of client_allowed_sans`;
    }
  }
  if (mode === "RequireAnyClientCert" && !presented) return "no client certificate";
  if (mode === "VerifyClientCertIfGiven" && presented && !socket.authorized) {
    return `client certificate not verified: ${String(socket.authorizationError)}`;
  }
  return undefined;
}

/**
 * The DNS names, IP addresses, e-mail addresses and URIs of a certificate, as exporter-toolkit
 * compares them, from Node's `subjectaltname` ("DNS:a, IP Address:127.0.0.1, URI:spiffe://x",
 * a value JSON-quoted where it holds a comma).
 */
export function subjectAltNames(text: string | undefined): string[] {
  const names: string[] = [];
  for (const match of (text ?? "").matchAll(/(?:^|, )(DNS|IP Address|email|URI):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const [, kind, raw = ""] = match;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    names.push(
      kind === "IP Address" && value.includes(":") ? new URL(`http://[${value}]`).hostname.slice(1, -1) : value,
    );
  }
  return names;
}
