/**
 * The built agent as a supervisor runs it, on this host's kernel: with no bpffs mounted (a fresh
 * machine) and under `ip netns exec`, stopped by systemd's and a terminal's signals, reloaded by
 * SIGHUP, and beside `vrf-agent cleanup`, which must leave a running agent's pins alone. The
 * host has no VRF driver, so the agent finds no VRF here; what it does with its pins, its
 * configs and its exit code is the same with or without them.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parseExposition, total } from "../../agent/exposition.js";
import { theLine, vrfAgent } from "../support/cli.js";
import { type RunningAgent, startAgent, useAgents, withoutBpffs } from "../support/running-agent.js";

const stopsCleanly = async (agent: RunningAgent, signal: NodeJS.Signals) => {
  agent.signal(signal);
  const { exitCode } = await agent.exited();
  expect(agent.log()).toMatch(new RegExp(`msg=stopping reason=${signal}`));
  expect(agent.log()).toMatch(/msg=stopped exit_code=0/);
  expect(exitCode).toBe(0);
};

describe("the agent as a daemon", () => {
  const agents = useAgents("daemon");
  const { start, pinPath } = agents;

  it("mounts bpffs where none is, says so in one line, serves, and ends with exit 0 on SIGTERM", async () => {
    const agent = await start([`--bpf.pin-path=/sys/fs/bpf/vrf-agent`], { wrapper: withoutBpffs });
    expect(agent.log().match(/msg="mounted bpffs at \/sys\/fs\/bpf: none was there"/g)).toHaveLength(1);
    expect(total(await agent.scrape(), "vrf_agent_hook_family_loaded", { family: "traffic" })).toBe(1);
    await stopsCleanly(agent, "SIGTERM");
  });

  it("runs the same under ip netns exec, which hides the host's bpffs, and ends with exit 0 on SIGINT", async () => {
    const netns = `vrf-agent-test-daemon-${randomUUID().slice(0, 8)}`;
    await execa("ip", ["netns", "add", netns]);
    try {
      await execa("ip", ["-n", netns, "link", "set", "lo", "up"]);
      const agent = await start(["--bpf.pin-path=/sys/fs/bpf/vrf-agent"], { wrapper: ["ip", "netns", "exec", netns] });
      expect(agent.log()).toMatch(/msg="mounted bpffs at \/sys\/fs\/bpf: none was there"/);
      // It listens inside the namespace, so it is scraped from there.
      const scrape = `fetch(${JSON.stringify(agent.url)}).then((r) => r.text()).then((t) => process.stdout.write(t))`;
      const { stdout } = await execa("ip", ["netns", "exec", netns, process.execPath, "-e", scrape]);
      expect(total(parseExposition(stdout), "vrf_agent_hook_family_loaded", { family: "traffic" })).toBe(1);
      await stopsCleanly(agent, "SIGINT");
    } finally {
      await execa("ip", ["netns", "delete", netns], { reject: false });
    }
  });

  it("says in one line, with exit 1, that it cannot mount bpffs without CAP_SYS_ADMIN", async () => {
    const dropped = [...withoutBpffs, "setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin"];
    const [file = "", ...args] = [...dropped, process.execPath, join("dist", "agent", "cli.js")];
    const result = await execa(file, [...args, "--web.listen-address=127.0.0.1:0"], { reject: false, timeout: 20_000 });
    expect(result.exitCode).toBe(1);
    expect(theLine(result.stderr)).toMatch(
      /^vrf-agent: no bpf file system at \/sys\/fs\/bpf and mounting one failed: .*Operation not permitted.*mount -t bpf bpf \/sys\/fs\/bpf/,
    );
  });

  it.for([
    ["a folder outside any bpffs", "/tmp/vrf-agent-pins", /not on a bpf file system/],
    ["bpffs itself", "/sys/fs/bpf", /the root of a file system/],
    ["a relative path", "sys/fs/bpf/vrf-agent", /must be an absolute path/],
  ])("refuses --bpf.pin-path on %s in one line, exit 2", async ([, path, says]) => {
    const result = await vrfAgent([`--bpf.pin-path=${path}`, "--web.listen-address=127.0.0.1:0"]);
    expect(result.exitCode).toBe(2);
    expect(theLine(result.stderr)).toMatch(says as RegExp);
    expect(existsSync("/tmp/vrf-agent-pins")).toBe(false);
  });

  it("names a pinned map of another shape in one line instead of failing every family", async () => {
    const pins = pinPath();
    await execa("mkdir", ["-p", pins]);
    const shape = ["type", "hash", "key", "4", "value", "4", "entries", "4", "name", "ports_dense"];
    await execa("bpftool", ["map", "create", join(pins, "ports_dense"), ...shape]);
    const result = await vrfAgent([`--bpf.pin-path=${pins}`, "--web.listen-address=127.0.0.1:0"]);
    expect(result.exitCode).toBe(1);
    expect(theLine(result.stderr)).toMatch(
      new RegExp(`^vrf-agent: no hook family could load .*${pins}/ports_dense.* another shape.*vrf-agent cleanup`),
    );
    expect(result.stderr).not.toMatch(/unexpected error/);
  });

  it("refuses a second agent on the same pin folder", async () => {
    const pins = pinPath();
    await start([`--bpf.pin-path=${pins}`]);
    const second = await vrfAgent([`--bpf.pin-path=${pins}`, "--web.listen-address=127.0.0.1:0"]);
    expect(second.exitCode).toBe(1);
    expect(theLine(second.stderr)).toBe(
      `vrf-agent: another vrf-agent is running with --bpf.pin-path ${pins} (it holds the folder's lock)`,
    );
  });

  it("keeps cleanup away while it runs, and lets it remove everything once it stopped", async () => {
    const pins = pinPath();
    const agent = await start([`--bpf.pin-path=${pins}`]);
    const pinned = (await readdir(pins)).sort();
    expect(pinned).toEqual(expect.arrayContaining(["ports_dense", "vrf_slots", "vrf_traffic", "drops"]));
    const refused = await vrfAgent(["cleanup", `--bpf.pin-path=${pins}`]);
    expect(refused.exitCode).toBe(1);
    expect(theLine(refused.stderr)).toBe(
      `vrf-agent cleanup: a running vrf-agent holds ${pins}: stop it first (its counters would be lost)`,
    );
    expect((await readdir(pins)).sort()).toEqual(pinned);
    expect(total(await agent.scrape(), "vrf_agent_pins_missing")).toBe(0);
    await stopsCleanly(agent, "SIGTERM");
    const removed = await vrfAgent(["cleanup", `--bpf.pin-path=${pins}`]);
    expect(removed.stderr).toBe("");
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toBe(`removed 0 tc filter(s) and ${pinned.length} pinned map(s) with the folder ${pins}\n`);
    expect(existsSync(pins)).toBe(false);
  });

  it("notices when its pins are removed anyway: a log line and vrf_agent_pins_missing", async () => {
    const pins = pinPath();
    const agent = await start([`--bpf.pin-path=${pins}`]);
    await unlink(join(pins, "vrf_traffic"));
    await unlink(join(pins, "vrf_slots"));
    // The pins are looked for every 10 s.
    await agent.logged(/msg="pinned maps were removed while the agent runs.*missing=[^ ]*vrf_traffic/, 15_000);
    expect(agent.log()).toMatch(/missing="?vrf_slots,vrf_traffic"?/);
    expect(total(await agent.scrape(), "vrf_agent_pins_missing")).toBe(2);
  });

  it("reloads its config and web config on SIGHUP, keeps the running ones when the new ones are bad, and never restarts the datapath", async () => {
    const config = join(agents.dir, "agent.yml");
    const web = join(agents.dir, "web.yml");
    const users = (password: string) => `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(password, 4)}\n`;
    await writeFile(config, "expected_cross_vrf:\n  - { from: red, to: blue }\n");
    await writeFile(web, users("first"));
    const agent = await start([`--bpf.pin-path=${pinPath()}`, `--config.file=${config}`, `--web.config.file=${web}`]);
    const as = (password: string) => ({
      headers: { authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString("base64")}` },
    });
    const expected = async (password: string) =>
      (await agent.scrape(as(password))).filter((s) => s.name === "vrf_cross_expected").map((s) => s.labels.src_vrf);
    expect(await expected("first")).toEqual(["red"]);

    await writeFile(config, "expected_cross_vrf:\n  - { from: green, to: blue }\n");
    await writeFile(web, users("second"));
    agent.signal("SIGHUP");
    await agent.logged(/msg=reloaded/);
    expect(await expected("second")).toEqual(["green"]);
    expect((await fetch(agent.url, as("first"))).status).toBe(401);

    await writeFile(config, "expected_cross_vrf: [ nope\n");
    agent.signal("SIGHUP");
    await agent.logged(/msg="reload failed; the running config stays" error=/);
    expect(agent.log().match(/reload failed/g)).toHaveLength(1);
    expect(await expected("second")).toEqual(["green"]);
    expect(agent.log().match(/msg="datapath ready"/g)).toHaveLength(1);
    await stopsCleanly(agent, "SIGTERM");
  });
});

describe("cleanup of a pin folder it shares with another tool", () => {
  it("removes only vrf-agent's maps and names what it left", async () => {
    const pins = `/sys/fs/bpf/vrf-agent-test-daemon-${randomUUID()}`;
    const agent = await startAgent([`--bpf.pin-path=${pins}`]);
    await stopsCleanly(agent, "SIGTERM");
    const ours = await readdir(pins);
    await execa("bpftool", [
      ...["map", "create", join(pins, "someone_elses"), "type", "array", "key", "4", "value", "4", "entries", "1"],
      ...["name", "someone_elses"],
    ]);
    try {
      const result = await vrfAgent(["cleanup", `--bpf.pin-path=${pins}`]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(
        `removed 0 tc filter(s) and ${ours.length} pinned map(s); kept ${pins}, which also holds what is not vrf-agent's: someone_elses\n`,
      );
      expect(await readdir(pins)).toEqual(["someone_elses"]);
    } finally {
      await rm(pins, { recursive: true, force: true });
    }
  });

  it("refuses a folder that holds none of its maps, and needs its privileges", async () => {
    const pins = `/sys/fs/bpf/vrf-agent-test-daemon-${randomUUID()}`;
    await execa("mkdir", ["-p", join(pins, "someone-else")]);
    try {
      const refused = await vrfAgent(["cleanup", `--bpf.pin-path=${pins}`]);
      expect(refused.exitCode).toBe(2);
      expect(theLine(refused.stderr)).toBe(
        `vrf-agent cleanup: refusing to remove ${pins}: it holds none of vrf-agent's maps`,
      );
      const unprivileged = await vrfAgent(["cleanup", `--bpf.pin-path=${pins}`], { nobody: true });
      expect(unprivileged.exitCode).toBe(1);
      expect(theLine(unprivileged.stderr)).toMatch(/^vrf-agent cleanup: needs CAP_NET_ADMIN and CAP_SYS_ADMIN/);
      expect(existsSync(join(pins, "someone-else"))).toBe(true);
    } finally {
      await rm(pins, { recursive: true, force: true });
    }
  });

  it.for([
    ["/etc", /not on a bpf file system/],
    ["/sys/fs/bpf/", /the root of a file system/],
    ["/sys/fs/bpf/vrf-agent/../../../../tmp", /not on a bpf file system/],
    ["sys/fs/bpf/vrf-agent", /not an absolute path/],
  ])("refuses %s with exit code 2", async ([path, says]) => {
    const result = await vrfAgent(["cleanup", `--bpf.pin-path=${path}`]);
    expect(result.exitCode).toBe(2);
    expect(theLine(result.stderr)).toMatch(new RegExp(`^vrf-agent cleanup: refusing to remove ${path}: `));
    expect(theLine(result.stderr)).toMatch(says as RegExp);
  });
});
