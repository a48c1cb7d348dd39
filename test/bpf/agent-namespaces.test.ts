/**
 * The built agent inventorying named namespaces (`--netns`, `--netns.all`) from sockets opened
 * inside them: a name that does not exist is one line and `vrf_agent_inventory_up 0` until it
 * does, and with `--netns.all` namespaces created and deleted while it runs are followed.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { has, total } from "../../agent/exposition.js";
import { type RunningAgent, useAgents } from "../support/running-agent.js";

const made: string[] = [];
const namespace = async (name: string) => {
  await execa("ip", ["netns", "add", name]);
  made.push(name);
};
const remove = (name: string) => execa("ip", ["netns", "delete", name], { reject: false });
afterEach(async () => {
  for (const name of made.splice(0)) await remove(name);
});

const until = async (
  agent: RunningAgent,
  what: string,
  done: (samples: Awaited<ReturnType<RunningAgent["scrape"]>>) => boolean,
) => {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const samples = await agent.scrape();
    if (done(samples)) return samples;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the log:\n${agent.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

describe("the agent's named namespaces", () => {
  const { start } = useAgents("namespaces");

  it("needs no iproute2: with nothing on PATH it inventories its own namespace and a named one", async () => {
    const name = `vrfagt-ns-${randomUUID().slice(0, 8)}`;
    await namespace(name);
    const empty = await mkdtemp(join(tmpdir(), "vrf-agent-empty-path-"));
    try {
      const agent = await start([`--netns=${name}`], { env: { PATH: empty } });
      const samples = await until(
        agent,
        "the namespace",
        (s) => total(s, "vrf_agent_inventory_up", { netns: name }) === 1,
      );
      expect(total(samples, "vrf_agent_inventory_errors_total")).toBe(0);
      expect(has(samples, "vrf_l3mdev_accept", { netns: name, protocol: "udp" })).toBe(true);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("says in one line that a --netns does not exist, exports it as down, and takes it once it does", async () => {
    const name = `vrfagt-ns-${randomUUID().slice(0, 8)}`;
    const agent = await start([`--netns=${name}`]);
    await agent.logged(/cannot inventory a namespace/);
    expect(agent.log().match(/cannot inventory a namespace/g)).toHaveLength(1);
    expect(agent.log()).toContain(`entering /run/netns/${name} failed: no such file or directory`);
    const before = await agent.scrape();
    expect(total(before, "vrf_agent_inventory_up", { netns: name })).toBe(0);
    expect(total(before, "vrf_agent_inventory_up", { netns: "" })).toBe(1);

    await namespace(name);
    await execa("ip", ["netns", "exec", name, "sysctl", "-qw", "net.ipv4.tcp_l3mdev_accept=1"]);
    const after = await until(agent, "the namespace", (s) => total(s, "vrf_agent_inventory_up", { netns: name }) === 1);
    expect(total(after, "vrf_l3mdev_accept", { netns: name, protocol: "tcp" })).toBe(1);
    // Still one line: a namespace that stays missing is retried quietly.
    expect(agent.log().match(/cannot inventory a namespace/g)).toHaveLength(1);
  });

  it("follows namespaces created and deleted while it runs with --netns.all", async () => {
    const agent = await start(["--netns.all"]);
    const name = `vrfagt-ns-${randomUUID().slice(0, 8)}`;
    await namespace(name);
    await until(agent, "the new namespace", (s) => total(s, "vrf_agent_inventory_up", { netns: name }) === 1);
    await remove(name);
    const gone = await until(agent, "the namespace to go", (s) => !has(s, "vrf_agent_inventory_up", { netns: name }));
    expect(has(gone, "vrf_l3mdev_accept", { netns: name })).toBe(false);
    expect(agent.log()).toMatch(new RegExp(`msg="stopped watching a namespace" netns=${name}`));
  });
});
