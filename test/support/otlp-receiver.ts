/**
 * A stand-in OpenTelemetry collector on loopback: it takes OTLP/HTTP POSTs to /v1/traces, decodes
 * the JSON encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) into flat spans, and counts every
 * request it gets on any path, so that a test can also prove that nothing was sent.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}

export type Attributes = Record<string, string | number | boolean | undefined>;

export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  scope: string | undefined;
  attributes: Attributes;
  resource: Attributes;
  status: { code: number; message: string | undefined };
}

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  url: string;
  /** Every request, whatever its path or encoding. */
  requests: { method: string; path: string; contentType: string }[];
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

const flatten = (attributes: KeyValue[] = []): Attributes =>
  Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue === undefined ? undefined : Number(value.intValue)) ??
        value.doubleValue ??
        value.boolValue,
    ]),
  );

const body = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

export async function otlpReceiver(options: { host?: string; port?: number } = {}): Promise<OtlpReceiver> {
  const requests: OtlpReceiver["requests"] = [];
  const spans: ReceivedSpan[] = [];
  const server = createServer(async (request, response) => {
    const contentType = request.headers["content-type"] ?? "";
    requests.push({ method: request.method ?? "", path: request.url ?? "", contentType });
    const text = await body(request);
    if (request.method !== "POST" || request.url !== "/v1/traces" || contentType !== "application/json") {
      response.writeHead(400).end();
      return;
    }
    const decoded = JSON.parse(text) as OtlpExport;
    for (const resourceSpans of decoded.resourceSpans ?? []) {
      const resource = flatten(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          spans.push({
            name: span.name,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            scope: scopeSpans.scope?.name,
            attributes: flatten(span.attributes),
            resource,
            status: { code: span.status?.code ?? 0, message: span.status?.message },
          });
        }
      }
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    requests,
    spans,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
