/**
 * Reads an agent's /metrics the way a Prometheus scrape config would: plain HTTP or HTTPS with a
 * CA, a client certificate and basic auth. Every failure is an OperatorError (exit 1) saying
 * which flag would fix it, since the person running it is usually one flag away from an answer.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { OperatorError } from "../operator-error.js";

export interface ScrapeTarget {
  url: URL;
  tls: {
    ca?: Buffer;
    cert?: Buffer;
    key?: Buffer;
    insecureSkipVerify: boolean;
  };
  basicAuth?: { username: string; password: string };
}

/** Longer than any render of the agent's metrics; an agent that says nothing for this long is stuck. */
const answerTimeoutMs = 10_000;

// OpenSSL's words for "this is not the certificate you trust" (Node's error codes).
const untrusted = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The body of a 200 answer; anything else is an OperatorError naming the URL. */
export async function scrapeText(target: ScrapeTarget): Promise<string> {
  const response = await send(target).catch((error: NodeJS.ErrnoException) => {
    throw new OperatorError(connectionProblem(target, error));
  });
  const body = await readBody(response);
  const status = `${response.statusCode} ${response.statusMessage ?? ""}`.trim();
  if (response.statusCode === 401) {
    throw new OperatorError(
      target.basicAuth
        ? `${target.url} answered ${status}: the agent does not take that user and password (--basic-auth.username, --basic-auth.password-file)`
        : `${target.url} answered ${status}: it wants basic auth (--basic-auth.username and --basic-auth.password-file)`,
    );
  }
  if (response.statusCode !== 200) throw new OperatorError(`${target.url} answered ${status}`);
  return body;
}

function send(target: ScrapeTarget): Promise<IncomingMessage> {
  const { url, tls, basicAuth } = target;
  const headers: Record<string, string> = { accept: "text/plain" };
  if (basicAuth) {
    headers.authorization = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString("base64")}`;
  }
  return new Promise((resolve, reject) => {
    const common = { method: "GET", headers, agent: false as const, timeout: answerTimeoutMs };
    const request =
      url.protocol === "https:"
        ? httpsRequest(url, {
            ...common,
            rejectUnauthorized: !tls.insecureSkipVerify,
            ...(tls.ca ? { ca: tls.ca } : {}),
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key } : {}),
          })
        : httpRequest(url, common);
    request.once("response", resolve);
    request.once("timeout", () =>
      request.destroy(Object.assign(new Error("no answer"), { code: "ETIMEDOUT" as string })),
    );
    request.once("error", reject);
    request.end();
  });
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      body += chunk;
    });
    response.once("end", () => resolve(body));
    response.once("error", reject);
  });
}

function connectionProblem(target: ScrapeTarget, error: NodeJS.ErrnoException): string {
  const { url } = target;
  const code = error.code ?? error.message;
  const https = url.protocol === "https:";
  if (code === "ETIMEDOUT") return `${url} did not answer within ${answerTimeoutMs / 1000} s`;
  if (untrusted.has(code)) {
    return `cannot trust the certificate of ${url} (${code}): give the CA that signed it with --tls.ca-file`;
  }
  if (code.startsWith("ERR_SSL_") && code.includes("ALERT")) {
    return `${url} refused the TLS handshake (${code}): does it want a client certificate (--tls.cert-file, --tls.key-file) signed by its client CA?`;
  }
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "EPROTO") {
    return `${url} does not speak TLS (${code}): is it plain HTTP (http://)?`;
  }
  if (code === "ECONNRESET" || error.message === "socket hang up") {
    return https
      ? `${url} closed the connection (${code}): does it want a client certificate (--tls.cert-file, --tls.key-file) signed by its client CA?`
      : `${url} closed the connection (${code}): does it serve HTTPS (https://)?`;
  }
  return `no agent answers at ${url} (${code}): is it running?`;
}
