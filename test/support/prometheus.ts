/**
 * A real Prometheus server (Debian's) for the tests: loopback only, a throwaway data folder, a
 * 1 s scrape and evaluation interval so scenarios show within seconds, and a small client for
 * the HTTP API the tests ask (queries, alerts, targets).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";

export interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing" | "inactive";
}

export interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: string;
}

export interface Prometheus {
  url: string;
  /** Instant query; throws with Prometheus' own error for a query it cannot parse or evaluate. */
  query(expr: string): Promise<Series[]>;
  alerts(): Promise<Alert[]>;
  /** Whether every target's last scrape succeeded. */
  targetsUp(): Promise<boolean>;
  /** The targets Prometheus discovered, with their labels after relabelling. */
  targets(): Promise<Target[]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

async function writeConfig(file: string, options: { targets: string[]; ruleFiles: string[] }): Promise<void> {
  await writeFile(
    file,
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "rule_files:",
      ...options.ruleFiles.map((file) => `  - ${file}`),
      "scrape_configs:",
      "  - job_name: vrf-agent",
      "    static_configs:",
      `      - targets: [${options.targets.map((t) => `"${t}"`).join(", ")}]`,
      "",
    ].join("\n"),
  );
}

/** The test's own config (1 s intervals, these targets and rules), or a config file as it is. */
export type PrometheusConfig = { targets: string[]; ruleFiles: string[] } | { configFile: string };

export async function startPrometheus(options: PrometheusConfig): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), "vrf-agent-prometheus-"));
  const config = "configFile" in options ? options.configFile : join(dir, "prometheus.yml");
  if (!("configFile" in options)) await writeConfig(config, options);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = execa(
    "prometheus",
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
    { reject: false, all: true },
  );
  let exited = false;
  void server.then(() => {
    exited = true;
  });
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus: ${body.error ?? response.statusText} (${path})`);
    return body.data;
  };
  const stop = async () => {
    server.kill("SIGTERM");
    await server;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (
    (await fetch(`${url}/-/ready`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline || exited) {
      await stop();
      const output = (await server).all ?? "";
      throw new Error(`Prometheus did not start:\n${output.slice(-2000)}`);
    }
    await sleep(200);
  }
  return {
    url,
    query: async (expr) => (await api<{ result: Series[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: Alert[] }>("/api/v1/alerts")).alerts,
    targetsUp: async () => {
      const data = await api<{ activeTargets: Target[] }>("/api/v1/targets");
      return data.activeTargets.length > 0 && data.activeTargets.every((t) => t.health === "up");
    },
    targets: async () => (await api<{ activeTargets: Target[] }>("/api/v1/targets")).activeTargets,
    stop,
  };
}
