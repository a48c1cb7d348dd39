/**
 * The built agent under the flags the Prometheus exporters share: metric and hook families turned
 * on and off, exporter metrics left out, several listen addresses, systemd's sockets.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { total } from "../../agent/exposition.js";
import { assertBuilt } from "../support/cli.js";
import { type RunningAgent, startAgent } from "../support/running-agent.js";

const pinPrefix = "vrf-agent-test-flags";

describe("the agent's exporter flags", () => {
  let dir: string;
  const agents: RunningAgent[] = [];
  const start = async (args: string[]) => {
    const agent = await startAgent([`--bpf.pin-path=/sys/fs/bpf/${pinPrefix}-${randomUUID()}`, ...args]);
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), "vrf-agent-flags-"));
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) {
      agent.signal("SIGKILL");
      await agent.exited();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    for (const name of await readdir("/sys/fs/bpf")) {
      if (name.startsWith(pinPrefix)) await rm(join("/sys/fs/bpf", name), { recursive: true });
    }
  });

  it("lets a --[no-]collector flag for a hook family win over the config file's hooks setting", async () => {
    const config = join(dir, "hooks.yml");
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
});
