/**
 * The agent end to end: running inside the lab guest over the seed topology (real VRFs, Debian
 * 6.1), scraped from the host through the forwarded port. Numbers are held against the guest
 * kernel's counters or against the traffic the test sent.
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import bcrypt from "bcryptjs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { has, type Sample, total } from "../../agent/exposition.js";
import { agentPort, agentUrl, startAgent, stopAgent } from "../../lab/agent.js";
import { Lab } from "../../lab/lab.js";
import {
  addLeak,
  applyTopology,
  removeLeak,
  removeUnreachableDefault,
  sendUnreachable,
  udpBurst,
} from "../../lab/scenarios.js";
import { members, peerNamespace, seedTopology, unreachableDefaultMetric } from "../../lab/topology.js";
import { burstCounts, delta, ourFilters, scrape, watchedDevices } from "../support/lab-agent.js";
import { makePki, type Pki } from "../support/pki.js";

const watched = watchedDevices.length;

/** Scrapes until `done` holds, for changes the agent learns of through rtnetlink notifications. */
async function until(lab: Lab, done: (samples: Sample[]) => boolean, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (done(await scrape(lab))) return (Date.now() - started) / 1000;
    await sleep(200);
  }
  throw new Error(`the agent did not show the change within ${timeoutMs / 1000} s`);
}

describe("the agent in the lab guest", () => {
  let lab: Lab;
  let config: string;
  beforeAll(async () => {
    lab = await Lab.boot({ forwardPorts: [agentPort] });
    await applyTopology(lab);
    config = join(lab.outDir, "agent.yaml");
    await writeFile(config, "expected_cross_vrf:\n  - from: green\n    to: blue\n");
    await startAgent(lab, [`--config.file=${config}`]);
  });
  afterAll(() => lab?.shutdown());

  it("shows every VRF and member of the seed topology, with its table, and hooks on all of them", async () => {
    const samples = await scrape(lab);
    const vrfs = samples.filter((s) => s.name === "vrf_info").map((s) => [s.labels.vrf, s.labels.table]);
    expect(vrfs.sort()).toEqual(seedTopology.vrfs.map((v) => [v.name, String(v.table)]).sort());
    for (const { vrf, member } of members(seedTopology)) {
      expect(total(samples, "vrf_member_info", { vrf: vrf.name, interface: member.name }), member.name).toBe(1);
      expect(total(samples, "vrf_member_up", { interface: member.name }), member.name).toBe(member.addresses ? 1 : 0);
    }
    for (const vrf of seedTopology.vrfs) {
      expect(total(samples, "vrf_unreachable_default", { vrf: vrf.name }), vrf.name).toBe(
        vrf.unreachableDefault ? 2 : 0,
      );
    }
    expect(total(samples, "vrf_agent_hooks_attached", { mode: "legacy-tc" })).toBe(watched);
    expect(total(samples, "vrf_agent_hook_family_loaded")).toBe(3);
  });

  it("counts per VRF exactly what its members' kernel counters say over a known burst", async () => {
    const { agent, kernel, redIpv4 } = await burstCounts(lab);
    expect(agent).toEqual(kernel);
    expect(redIpv4).toBeGreaterThanOrEqual(150);
  });

  it("shows a route leak in the cross matrix, flagged unexpected unless the configuration lists it", async () => {
    const leaks = [await addLeak(lab, { from: "red", to: "blue" }), await addLeak(lab, { from: "green", to: "blue" })];
    const a = await scrape(lab);
    await udpBurst(lab, { from: "eth1", to: leaks[0]?.destination ?? "", count: 30 });
    await udpBurst(lab, { from: "eth4", to: leaks[1]?.destination ?? "", count: 20 });
    const b = await scrape(lab);
    for (const leak of leaks) await removeLeak(lab, leak);
    expect(delta(a, b, "vrf_cross_packets_total", { src_vrf: "red", dst_vrf: "blue" })).toBe(30);
    expect(delta(a, b, "vrf_cross_packets_total", { src_vrf: "green", dst_vrf: "blue" })).toBe(20);
    expect(total(b, "vrf_cross_expected", { src_vrf: "red", dst_vrf: "blue" })).toBe(0);
    expect(total(b, "vrf_cross_expected", { src_vrf: "green", dst_vrf: "blue" })).toBe(1);
    const others = b.filter((s) => s.name === "vrf_cross_packets_total" && s.labels.dst_vrf !== "blue");
    expect(others).toEqual([]);
  });

  it("counts unreachable hits equal to what was sent, in both families", async () => {
    const a = await scrape(lab);
    await sendUnreachable(lab, { vrf: "red", family: "ipv4", count: 25 });
    await sendUnreachable(lab, { vrf: "blue", family: "ipv6", count: 15 });
    const b = await scrape(lab);
    const hits = (vrf: string, family: string) =>
      delta(a, b, "vrf_unreachable_hits_total", { vrf, family, route: "unreachable" });
    expect([hits("red", "ipv4"), hits("blue", "ipv6")]).toEqual([25, 15]);
  });

  it("raises the config problem when a VRF loses its unreachable default", async () => {
    const problem = { vrf: "green", check: "no_unreachable_default_ipv4" };
    expect(total(await scrape(lab), "vrf_config_problem", problem)).toBe(0);
    await removeUnreachableDefault(lab, { vrf: "green", family: "ipv4" });
    const seconds = await until(lab, (s) => total(s, "vrf_config_problem", problem) === 1);
    console.log(`config problem visible ${seconds.toFixed(1)} s after the route was deleted`);
    await lab.run([
      "ip",
      "-4",
      "route",
      "add",
      "vrf",
      "green",
      "unreachable",
      "default",
      "metric",
      String(unreachableDefaultMetric),
    ]);
    await until(lab, (s) => total(s, "vrf_config_problem", problem) === 0);
  });

  it("keeps its counters across a restart, and attaches once, not twice", async () => {
    const before = total(await scrape(lab), "vrf_receive_packets_total", { vrf: "red", family: "ipv4" });
    await stopAgent(lab);
    await startAgent(lab, [`--config.file=${config}`]);
    const after = await scrape(lab);
    expect(total(after, "vrf_receive_packets_total", { vrf: "red", family: "ipv4" })).toBe(before);
    const filters = JSON.parse(await lab.run(["tc", "-j", "filter", "show", "dev", "eth1", "ingress"])) as {
      options?: { prog?: { name?: string } };
    }[];
    expect(filters.filter((f) => f.options?.prog?.name === "vrf_ingress")).toHaveLength(1);
    await udpBurst(lab, { from: "eth1", to: "10.2.1.2", count: 10 });
    expect(total(await scrape(lab), "vrf_receive_packets_total", { vrf: "red", family: "ipv4" })).toBe(before + 10);
  });

  it("stops with exit 0 under SIGTERM and SIGINT, with none of its filters left attached", async () => {
    expect(await ourFilters(lab)).toBe(2 * watched);
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      expect(await stopAgent(lab, signal)).toEqual({ exitCode: 0, signal: null });
      expect(await ourFilters(lab)).toBe(0);
      await startAgent(lab, [`--config.file=${config}`]);
    }
    expect(await ourFilters(lab)).toBe(2 * watched);
  });

  it("reloads its config on SIGHUP without losing a count", async () => {
    const declared = { src_vrf: "red", dst_vrf: "blue" };
    const before = total(await scrape(lab), "vrf_receive_packets_total", { vrf: "red", family: "ipv4" });
    const original = readFileSync(config, "utf8");
    await writeFile(config, `${original}  - from: red\n    to: blue\n`);
    try {
      await lab.signal("agent", "SIGHUP");
      await until(lab, (s) => total(s, "vrf_cross_expected", declared) === 1);
      await udpBurst(lab, { from: "eth1", to: "10.2.1.2", count: 10 });
      const after = await scrape(lab);
      expect(total(after, "vrf_receive_packets_total", { vrf: "red", family: "ipv4" })).toBe(before + 10);
    } finally {
      await writeFile(config, original);
      await lab.signal("agent", "SIGHUP");
    }
    await until(lab, (s) => total(s, "vrf_cross_expected", declared) !== 1);
  });

  // A router's exporters answer in its management VRF: a socket bound to mgmt (`@mgmt`) takes
  // what is routed through mgmt; an unbound one does not (tcp_l3mdev_accept is 0), nor does the
  // VRF-bound one take what comes through another VRF.
  it("serves a scraper in the mgmt VRF on an address bound to it, and nobody through another VRF", async () => {
    await stopAgent(lab);
    // startAgent listens on :agentPort already (the host's forwarded port); this adds the mgmt one.
    await startAgent(lab, [`--config.file=${config}`, "--web.listen-address=:9853@mgmt"]);
    const get = (peer: string, url: string) =>
      lab.exec([
        "ip",
        "netns",
        "exec",
        peerNamespace(peer),
        "curl",
        "-sS",
        "--max-time",
        "5",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        url,
      ]);
    const mgmt = await get("eth0", "http://10.0.0.2:9853/metrics");
    expect(mgmt.stdout).toBe("200");
    // The same scraper at the unbound listener, and a host in red at the mgmt-bound one.
    expect((await get("eth0", `http://10.0.0.2:${agentPort}/metrics`)).stdout).not.toBe("200");
    expect((await get("eth1", "http://10.2.1.2:9853/metrics")).stdout).not.toBe("200");
    // The host's scrapes through the forwarded port go on as before.
    expect(total(await scrape(lab), "vrf_agent_build_info")).toBe(1);
  });

  it("renders exposition that promtool accepts", async () => {
    const body = await (await fetch(agentUrl(lab))).text();
    const checked = await execa("promtool", ["check", "metrics"], { input: body, reject: false });
    expect(`${checked.stdout}${checked.stderr}`.trim()).toBe("");
  });

  it("follows 50 VRFs created, enslaved, released and deleted under traffic, leaving nothing behind", async () => {
    const n = 50;
    const range = Array.from({ length: n }, (_, i) => i + 1);
    await lab.spawn("churn-traffic", ["ip", "netns", "exec", "peer-eth1", "ping", "-q", "-i", "0.2", "10.2.1.2"]);
    try {
      const create = range.flatMap((i) => [
        `link add churn${i} type vrf table ${2000 + i}`,
        `link set churn${i} up`,
        `link add cm${i} type veth peer name cp${i}`,
        `link set cm${i} master churn${i}`,
        `link set cm${i} up`,
      ]);
      await lab.run(["ip", "-batch", "-"], { input: `${create.join("\n")}\n` });
      const seen = await until(lab, (s) => s.filter((x) => x.name === "vrf_info").length === 4 + n, 60_000);
      console.log(`${n} new VRFs with members visible ${seen.toFixed(1)} s after they were created`);
      expect(total(await scrape(lab), "vrf_agent_hooks_attached")).toBe(watched + 2 * n);
      const release = range.map((i) => `link set cm${i} nomaster`);
      const remove = range.flatMap((i) => [`link delete cm${i}`, `link delete churn${i}`]);
      await lab.run(["ip", "-batch", "-"], { input: `${[...release, ...remove].join("\n")}\n` });
      await until(lab, (s) => s.filter((x) => x.name === "vrf_info").length === 4, 60_000);
      const after = await scrape(lab);
      expect(after.filter((s) => Object.values(s.labels).some((v) => /^(churn|cm)\d+$/.test(v)))).toEqual([]);
      expect(total(after, "vrf_agent_hooks_attached")).toBe(watched);
      for (const name of ["eth1", "red"]) {
        for (const direction of ["ingress", "egress"]) {
          const shown = JSON.parse(await lab.run(["tc", "-j", "filter", "show", "dev", name, direction])) as {
            options?: { prog?: { name?: string } };
          }[];
          expect(
            shown.filter((f) => f.options?.prog?.name?.startsWith("vrf_")),
            `${name} ${direction}`,
          ).toHaveLength(1);
        }
      }
      expect(has(after, "vrf_member_info", { interface: "cm1" })).toBe(false);
    } finally {
      await lab.kill("churn-traffic");
    }
  });

  it("serves scrapes over TLS only to a trusted client with the right password", async () => {
    const pki = await makePki(lab.outDir);
    const web = join(lab.outDir, "web.yaml");
    await writeFile(
      web,
      [
        "tls_server_config:",
        `  cert_file: ${pki.serverCert}`,
        `  key_file: ${pki.serverKey}`,
        `  client_ca_file: ${pki.caCert}`,
        "  client_auth_type: RequireAndVerifyClientCert",
        "basic_auth_users:",
        `  operator: ${bcrypt.hashSync("right horse battery", 4)}`,
        "",
      ].join("\n"),
    );
    const get = (client: { cert?: string; key?: string }, password?: string) =>
      httpsStatus(agentUrl(lab, "/metrics", "https"), pki, client, password);
    const trusted = { cert: pki.clientCert, key: pki.clientKey };
    await stopAgent(lab);
    await startAgent(lab, [`--config.file=${config}`, `--web.config.file=${web}`], () =>
      get(trusted).then((status) => new Response(null, { status: status === 0 ? 503 : status })),
    );
    expect(await get(trusted, "right horse battery")).toBe(200);
    expect(await get(trusted, "wrong horse battery")).toBe(401);
    expect(await get(trusted)).toBe(401);
    expect(await get({ cert: pki.strangerCert, key: pki.strangerKey }, "right horse battery")).toBe(0);
    expect(await get({}, "right horse battery")).toBe(0);
    expect(
      await fetch(agentUrl(lab)).then(
        () => "answered",
        () => "refused",
      ),
    ).toBe("refused");
  });
});

/** The HTTP status of a GET over TLS, or 0 when the server refused the connection. */
function httpsStatus(
  url: string,
  pki: Pki,
  client: { cert?: string; key?: string },
  password?: string,
): Promise<number> {
  return new Promise((resolve) => {
    const auth =
      password === undefined
        ? {}
        : { authorization: `Basic ${Buffer.from(`operator:${password}`).toString("base64")}` };
    const identity =
      client.cert && client.key ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {};
    const req = request(url, { ca: readFileSync(pki.caCert), ...identity, headers: auth }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end();
  });
}
