/**
 * exporter-toolkit's `client_auth_type` (Go's tls.ClientAuthType) in terms of Node's TLS server.
 * Node has two switches where Go has five modes: requestCert and rejectUnauthorized. The two modes
 * they cannot express are finished by `refusal()` on each connection once its handshake is done.
 */
import type { ServerOptions } from "node:https";
import type { TLSSocket } from "node:tls";
import type { ClientAuthType, TlsSettings } from "../config/web-config.js";

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
  return options;
}

/** Why an established connection must be dropped under this mode, or undefined to keep it. */
export function refusal(mode: ClientAuthType, socket: TLSSocket): string | undefined {
  // Node's way of saying "the client sent no certificate" is an empty object.
  const presented = Object.keys(socket.getPeerCertificate()).length > 0;
  if (mode === "RequireAnyClientCert" && !presented) return "no client certificate";
  if (mode === "VerifyClientCertIfGiven" && presented && !socket.authorized) {
    return `client certificate not verified: ${String(socket.authorizationError)}`;
  }
  return undefined;
}
