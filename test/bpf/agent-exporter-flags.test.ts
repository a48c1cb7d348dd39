/**
 * The built agent under the flags the Prometheus exporters share: metric and hook families turned
 * on and off, exporter metrics left out, several listen addresses, systemd's sockets.
 */
import { writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { total } from "../../agent/exposition.js";
import { theLine, vrfAgent } from "../support/cli.js";
import { useAgents } from "../support/running-agent.js";

describe("the agent's exporter flags", () => {
  const agents = useAgents("flags");
  const start = (args: string[], wrapper?: string[]) =>
    agents.start([`--bpf.pin-path=${agents.pinPath()}`, ...args], wrapper ? { wrapper } : {});

  it("lets a --[no-]collector flag for a hook family win over the config file's hooks setting", async () => {
    const config = join(agents.dir, "hooks.yml");
    await writeFile(config, "hooks:\n  drops: false\n  unreachable: true\n");
    const agent = await start([`--config.file=${config}`, "--collector.drops", "--no-collector.unreachable"]);
    const samples = await agent.scrape();
    expect(total(samples, "vrf_agent_hook_family_enabled", { family: "drops" })).toBe(1);
    expect(total(samples, "vrf_agent_hook_family_enabled", { family: "unreachable" })).toBe(0);
    expect(total(samples, "vrf_agent_hook_family_loaded", { family: "unreachable" })).toBe(0);
    expect(agent.log()).toMatch(/unreachable=disabled/);
  });

  it("exports neither a disabled metric family nor process_* and nodejs_* when told", async () => {
    const agent = await start(["--no-collector.inventory", "--web.disable-exporter-metrics"]);
    const names = new Set((await agent.scrape()).map((sample) => sample.name));
    expect([...names].filter((name) => /^(process|nodejs)_/.test(name))).toEqual([]);
    expect(names).toContain("vrf_agent_build_info");
    const collectors = (await agent.scrape())
      .filter((sample) => sample.name === "vrf_agent_collector_success")
      .map((sample) => sample.labels.collector)
      .sort();
    expect(collectors).toEqual(["agent", "datapath"]);
  });

  it("serves on every --web.listen-address given", async () => {
    const agent = await start(["--web.listen-address=127.0.0.2:0"]);
    const addresses = /msg="serving metrics" address=\S+ addresses=(\S+)/.exec(agent.log())?.[1]?.split(",") ?? [];
    expect(addresses).toHaveLength(2);
    expect(addresses[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(addresses[1]).toMatch(/^127\.0\.0\.2:\d+$/);
    for (const address of addresses) expect((await fetch(`http://${address}/metrics`)).status).toBe(200);
  });

  it("serves on the socket systemd passes with --web.systemd-socket", async ({ skip }) => {
    const installed = await execa("which", ["systemd-socket-activate"], { reject: false });
    if (installed.exitCode !== 0) skip("systemd-socket-activate is not installed (Debian package systemd)");
    const port = await freePort();
    // systemd-socket-activate binds the socket, passes it as fd 3 and sets LISTEN_PID to the
    // agent's pid; the shell drops the listen address startAgent puts first, which would conflict.
    const activate = `exec systemd-socket-activate --fdname=web -l 127.0.0.1:${port}`;
    const wrapper = ["sh", "-c", `node=$1 cli=$2; shift 3; ${activate} "$node" "$cli" --web.systemd-socket "$@"`, "sh"];
    // It starts the agent on the first connection, as systemd does; that one is served too.
    const starting = start([], wrapper);
    const first = firstAnswer(`http://127.0.0.1:${port}/metrics`);
    const agent = await starting;
    expect((await first).status).toBe(200);
    expect(agent.log()).toMatch(/msg=listening address="systemd socket web" bound=127\.0\.0\.1:\d+/);
    expect(agent.url).toBe(`http://127.0.0.1:${port}/metrics`);
    expect((await agent.scrape()).length).toBeGreaterThan(0);
  });

  it("refuses --web.systemd-socket without systemd's sockets, in one line", async () => {
    const result = await vrfAgent(["--web.systemd-socket", `--bpf.pin-path=${agents.pinPath()}`]);
    expect(result.exitCode).not.toBe(0);
    expect(theLine(result.stderr)).toMatch(/--web\.systemd-socket: no socket activation file descriptors found/);
  });
});

/** The first answer from `url`, trying again while nothing listens there yet. */
async function firstAnswer(url: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url);
    } catch (error) {
      if (attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
