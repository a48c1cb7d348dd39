/**
 * gzip for the metrics page when the scraper asks for it (Prometheus always does): the text
 * exposition repeats label names on every line and shrinks several times over.
 */
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";

const gzip = promisify(gzipCallback);

/** Whether an Accept-Encoding header takes gzip: listed (or `*`) with a q-value above 0. */
export function acceptsGzip(header: string | undefined): boolean {
  for (const part of (header ?? "").split(",")) {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** The body as sent: gzipped when the client accepts it, with the headers that say so. */
export async function encodeBody(
  body: string,
  acceptEncoding: string | undefined,
): Promise<{ body: Buffer | string; headers: Record<string, string> }> {
  // Vary either way: a cache between scraper and agent must not hand gzip to a client that did not ask.
  if (!acceptsGzip(acceptEncoding)) return { body, headers: { Vary: "Accept-Encoding" } };
  return { body: await gzip(body), headers: { "Content-Encoding": "gzip", Vary: "Accept-Encoding" } };
}
