/**
 * The installed package on a router: the Debian root with the .deb installed by apt
 * (build/package/root), booted with systemd-nspawn inside the lab guest over the seed topology,
 * so systemd starts the unit at boot as its user with only its capabilities, on Debian 12's own
 * kernel with real VRFs. The host scrapes it through the forwarded port; then `apt purge` inside
 * must leave no file, no pin and no hook. test/package/service.test.ts covers the unit's
 * capabilities one by one on the host's kernel, where each try takes seconds instead of minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { total } from "../../agent/exposition.js";
import { agentPort, agentUrl } from "../../lab/agent.js";
import { Lab } from "../../lab/lab.js";
import { applyTopology } from "../../lab/scenarios.js";
import { seedTopology } from "../../lab/topology.js";
import { burstCounts, ourFilters, scrape, watchedDevices } from "../support/lab-agent.js";
import { capabilityMask, leftovers, shippedPaths, waitFor } from "../support/package.js";
import { type Runner, ServiceContainer, unitDirective } from "../support/service-container.js";

/** The guest as a place to run the container: its control channel's exec, spawn and kill. */
const guestRunner = (lab: Lab): Runner => ({
  exec: (argv, timeoutMs) => lab.exec(argv, timeoutMs === undefined ? {} : { timeoutMs }),
  spawn: (name, argv) => lab.spawn(name, argv),
  stop: async (name) => void (await lab.kill(name)),
});

// A bpffs as systemd mounts it (root's, 0700), in the guest's tmpfs /run.
const bpffs = "/run/vrf-agent-package-bpffs";

describe("the package's service in the lab guest", () => {
  let lab: Lab;
  let container: ServiceContainer;
  beforeAll(async () => {
    lab = await Lab.boot({ forwardPorts: [agentPort] });
    await applyTopology(lab);
    // nspawn needs a cgroup hierarchy, which the guest's stage 2 does not mount.
    await lab.run([
      "sh",
      "-c",
      `mount -t cgroup2 cgroup2 /sys/fs/cgroup && mkdir ${bpffs} && mount -t bpf -o mode=0700 bpf ${bpffs}`,
    ]);
    container = await ServiceContainer.boot(guestRunner(lab), { machine: "vrf-agent-package-lab", bpffs });
    await waitFor(
      async () =>
        (await fetch(agentUrl(lab, "/-/ready")).then(
          (r) => r.status,
          () => 0,
        )) === 200,
      180_000,
    );
  });
  afterAll(async () => {
    await container?.stop().catch(() => undefined);
    await lab?.shutdown();
  });

  it("runs at boot as vrf-agent with only the unit's capabilities, hooked on every VRF and member", async () => {
    const proc = await container.check(["cat", `/proc/${await container.mainPid()}/status`]);
    const uid = (await container.check(["id", "-u", "vrf-agent"])).trim();
    expect(proc).toMatch(new RegExp(`^Uid:\\s+${uid}\\s`, "m"));
    const unit = capabilityMask((await unitDirective("AmbientCapabilities")).split(" "));
    expect(BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(proc)?.[1]}`)).toBe(unit);
    const samples = await scrape(lab);
    const vrfs = samples.filter((s) => s.name === "vrf_info").map((s) => s.labels.vrf);
    expect(vrfs.sort()).toEqual(seedTopology.vrfs.map((v) => v.name).sort());
    expect(total(samples, "vrf_agent_hooks_attached", { mode: "legacy-tc" })).toBe(watchedDevices.length);
    expect(total(samples, "vrf_agent_hook_family_loaded")).toBe(3);
    expect(await ourFilters(lab)).toBe(2 * watchedDevices.length);
    expect((await lab.run(["ls", bpffs])).split("\n")).toContain("vrf-agent");
  });

  it("counts per VRF exactly what its members' kernel counters say over a known burst", async () => {
    const { agent, kernel, redIpv4 } = await burstCounts(lab);
    expect(agent).toEqual(kernel);
    expect(redIpv4).toBeGreaterThanOrEqual(150);
  });

  it("is gone after apt purge: no file, no pin, no tc filter, no BPF program of its own", async () => {
    const shipped = await shippedPaths();
    const purge = await container.run(
      ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y", "-q", "vrf-agent"],
      300_000,
    );
    expect(purge.exitCode, purge.stderr).toBe(0);
    expect(
      await fetch(agentUrl(lab, "/-/healthy")).then(
        (r) => r.status,
        () => 0,
      ),
    ).toBe(0);
    expect(await ourFilters(lab)).toBe(0);
    expect((await lab.run(["ls", bpffs])).split("\n").filter((name) => name.includes("vrf"))).toEqual([]);
    const programs = JSON.parse(await lab.run(["bpftool", "-j", "prog", "show"])) as { name?: string }[];
    expect(programs.filter((p) => p.name?.startsWith("vrf_"))).toEqual([]);
    expect(await leftovers(container, shipped)).toEqual([]);
  });
});
