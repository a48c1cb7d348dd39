/**
 * deploy/: the Kubernetes manifests against the Kubernetes and prometheus-operator schemas
 * (kubernetes-models), held to what the agent is (its capabilities, its probes, its port, its
 * version); the Prometheus scrape config through promtool and through a real Prometheus, which
 * discovers the example fleet from file_sd and relabels it.
 */
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { execa } from "execa";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { projectRoot } from "../../agent/artifacts.js";
import { daemonCapabilities } from "../../agent/capabilities.js";
import { defaultPort } from "../../agent/config/flags.js";
import { version } from "../../agent/version.js";
import { startPrometheus, type Target } from "../support/prometheus.js";

const manifest = async (name: string): Promise<unknown> =>
  parse(await readFile(join(projectRoot, "deploy", "kubernetes", name), "utf8"));

describe("the Kubernetes manifests", async () => {
  // The constructors take the parsed YAML as it is; validate() checks it against the schema.
  const daemonSet = new DaemonSet((await manifest("daemonset.yaml")) as DaemonSet);
  const service = new Service((await manifest("service.yaml")) as Service);
  const podMonitor = new PodMonitor((await manifest("podmonitor.yaml")) as PodMonitor);
  const pod = daemonSet.spec?.template;
  const container = pod?.spec?.containers[0];

  it("are valid against the Kubernetes and prometheus-operator schemas", () => {
    for (const object of [daemonSet, service, podMonitor]) expect(() => object.validate()).not.toThrow();
  });

  it("a schema violation is caught, so the validation above means something", () => {
    const broken = new DaemonSet({ ...daemonSet, spec: { ...daemonSet.spec, selector: "all" } } as never);
    expect(() => broken.validate()).toThrow();
  });

  it("run the agent in the host's network with its own capabilities, not privileged", () => {
    expect(pod?.spec?.hostNetwork).toBe(true);
    const security = container?.securityContext;
    expect(security?.privileged).toBe(false);
    expect(security?.allowPrivilegeEscalation).toBe(false);
    expect(security?.capabilities?.drop).toEqual(["ALL"]);
    expect(security?.capabilities?.add).toEqual(daemonCapabilities.map((name) => name.replace(/^CAP_/, "")));
  });

  it("mount the host's bpffs and named namespaces", () => {
    const mounts = Object.fromEntries((container?.volumeMounts ?? []).map((m) => [m.name, m.mountPath]));
    const paths = Object.fromEntries((pod?.spec?.volumes ?? []).map((v) => [v.name, v.hostPath?.path]));
    expect(mounts).toEqual({ bpffs: "/sys/fs/bpf", netns: "/run/netns" });
    expect(paths).toEqual({ bpffs: "/sys/fs/bpf", netns: "/run/netns" });
  });

  it("probe the agent's health and readiness on the port it listens on", () => {
    expect(container?.args).toContain(`--web.listen-address=:${defaultPort}`);
    expect(container?.ports).toEqual([{ name: "metrics", containerPort: defaultPort, protocol: "TCP" }]);
    expect(container?.livenessProbe?.httpGet).toEqual({ path: "/-/healthy", port: "metrics" });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: "/-/ready", port: "metrics" });
    expect(container?.resources?.requests).toBeDefined();
  });

  it("name the image of this version", () => {
    expect(container?.image).toBe(`localhost/vrf-agent:${version}`);
  });

  it("select the agent's pods from the Service and the PodMonitor, as job vrf-agent", () => {
    const labels = pod?.metadata?.labels ?? {};
    expect(labels).toEqual(daemonSet.spec?.selector.matchLabels);
    expect(service.spec?.selector).toEqual(labels);
    expect(podMonitor.spec.selector.matchLabels).toEqual(labels);
    expect(service.spec?.ports?.[0]?.targetPort).toBe("metrics");
    expect(podMonitor.spec.podMetricsEndpoints?.[0]?.port).toBe("metrics");
    // The alerts expect the job to be vrf-agent; jobLabel takes it from this pod label.
    expect(labels[podMonitor.spec.jobLabel ?? ""]).toBe("vrf-agent");
  });
});

describe("the Prometheus scrape config for router fleets", () => {
  const source = join(projectRoot, "deploy", "prometheus");

  it("passes promtool, file_sd lists included", async () => {
    const result = await execa("promtool", ["check", "config", join(source, "prometheus.yml")], { reject: false });
    expect(result.stdout).toMatch(/SUCCESS/);
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it("gives a real Prometheus the example routers on the agent's port, named by their host", {
    timeout: 60_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "vrf-agent-deploy-"));
    await cp(source, dir, { recursive: true });
    const prometheus = await startPrometheus({ configFile: join(dir, "prometheus.yml") });
    try {
      let targets: Target[] = [];
      for (let i = 0; i < 100 && targets.length < 3; i++) {
        targets = await prometheus.targets();
        if (targets.length < 3) await sleep(100);
      }
      const seen = targets.map((t) => [t.scrapeUrl, t.labels.instance, t.labels.job, t.labels.site]).sort();
      expect(seen).toEqual([
        ["http://core1.fra.example.net:9852/metrics", "core1.fra.example.net", "vrf-agent", "fra"],
        ["http://edge1.ams.example.net:9852/metrics", "edge1.ams.example.net", "vrf-agent", "ams"],
        // A router on a port of its own keeps it in its instance, so two agents on one host differ.
        ["http://edge2.ams.example.net:9853/metrics", "edge2.ams.example.net:9853", "vrf-agent", "ams"],
      ]);
    } finally {
      await prometheus.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
