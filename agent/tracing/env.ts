/**
 * Whether the OTEL_* environment asks for traces, and over which OTLP protocol. Tracing is opt-in:
 * without an endpoint variable nothing starts, even though the SDK would otherwise default to
 * http://localhost:4318, because an agent on every host must not probe a port nobody configured.
 */
export type TracingPlan =
  | { kind: "off"; reason: string }
  | { kind: "otlp"; protocol: "http/json" | "http/protobuf"; url: string }
  | { kind: "unsupported"; message: string };

type Env = Record<string, string | undefined>;

/** Empty values count as unset, as the OpenTelemetry specification says. */
const read = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

export function tracingPlan(env: Env): TracingPlan {
  if (read(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return { kind: "off", reason: "OTEL_SDK_DISABLED" };
  const exporter = read(env, "OTEL_TRACES_EXPORTER");
  if (exporter === "none") return { kind: "off", reason: "OTEL_TRACES_EXPORTER=none" };
  const tracesEndpoint = read(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const endpoint = read(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  if (!tracesEndpoint && !endpoint) return { kind: "off", reason: "no OTEL_EXPORTER_OTLP_ENDPOINT" };
  if (exporter !== undefined && exporter !== "otlp") {
    return { kind: "unsupported", message: `OTEL_TRACES_EXPORTER=${exporter}: only otlp (or none) is built in` };
  }
  // The signal-specific URL is used as given; the general one gets the traces path appended.
  const url = tracesEndpoint ?? `${endpoint?.replace(/\/+$/, "")}/v1/traces`;
  const protocol = read(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? read(env, "OTEL_EXPORTER_OTLP_PROTOCOL");
  // http/protobuf is the specification's default.
  if (protocol === undefined || protocol === "http/protobuf") return { kind: "otlp", protocol: "http/protobuf", url };
  if (protocol === "http/json") return { kind: "otlp", protocol, url };
  return { kind: "unsupported", message: `OTLP protocol ${protocol}: only http/protobuf and http/json are built in` };
}
