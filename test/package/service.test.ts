/**
 * The installed package as a service, on this host's kernel: the Debian root with the .deb
 * installed by apt, booted with systemd-nspawn, where systemd starts the vrf-agent unit at boot
 * as it would on a router. Its user and capabilities, measured from the running process; that
 * none of the unit's capabilities can go; /etc/default/vrf-agent and reload; and that `apt purge`
 * leaves no file and no pin. test/lab/package.test.ts repeats it over real VRFs, hooks attached.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "../support/cli.js";
import { capabilityMask, leftovers, shippedPaths, waitFor } from "../support/package.js";
import { hostRunner, ServiceContainer, unitDirective } from "../support/service-container.js";

describe("the package's service on this host's kernel", () => {
  let bpffs: string;
  /** What a new bpffs holds before anyone pins anything (the kernel's own maps.debug and progs.debug). */
  let pristine: string[];
  let container: ServiceContainer;
  let port: number;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const status = (path: string) =>
    fetch(url(path)).then(
      (r) => r.status,
      () => 0,
    );
  const ready = () => waitFor(async () => (await status("/-/ready")) === 200);

  beforeAll(async () => {
    // A bpffs as systemd mounts it (root's, mode 0700), which the service's user must get through.
    bpffs = await mkdtemp(join(tmpdir(), "vrf-agent-package-bpffs-"));
    await execa("mount", ["-t", "bpf", "-o", "mode=0700", "bpf", bpffs]);
    pristine = await readdir(bpffs);
    container = await ServiceContainer.boot(hostRunner(), { machine: "vrf-agent-package-host", bpffs });
    // The operator's way to give it flags: ARGS in /etc/default/vrf-agent, then a restart.
    port = await closedPort();
    const args = `--web.listen-address=127.0.0.1:${port} --config.file=/etc/vrf-agent/vrf-agent.yml`;
    await container.check([
      "sh",
      "-c",
      `echo 'expected_cross_vrf: []' >/etc/vrf-agent/vrf-agent.yml && echo 'ARGS="${args}"' >/etc/default/vrf-agent`,
    ]);
    await container.check(["systemctl", "restart", "vrf-agent"]);
    await ready();
  });
  afterAll(async () => {
    await container?.stop();
    if (bpffs) {
      await execa("umount", [bpffs], { reject: false });
      await rm(bpffs, { recursive: true, force: true });
    }
  });

  it("runs as the vrf-agent user with exactly the unit's capabilities and no way to gain more", async () => {
    const proc = await container.check(["cat", `/proc/${await container.mainPid()}/status`]);
    const uid = (await container.check(["id", "-u", "vrf-agent"])).trim();
    expect(uid).not.toBe("0");
    expect(proc).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, "m"));
    const unit = capabilityMask((await unitDirective("AmbientCapabilities")).split(" "));
    for (const set of ["CapEff", "CapPrm", "CapBnd", "CapAmb"]) {
      expect(BigInt(`0x${new RegExp(`^${set}:\\s+([0-9a-f]+)$`, "m").exec(proc)?.[1]}`), set).toBe(unit);
    }
    expect(proc).toMatch(/^NoNewPrivs:\s+1$/m);
  });

  it("serves its metrics with the flags and config of /etc/default/vrf-agent, named in its startup line", async () => {
    const metrics = await (await fetch(url("/metrics"))).text();
    expect(metrics).toMatch(/^vrf_agent_hook_family_loaded\{family="traffic"\} 1$/m);
    expect(await container.journal()).toMatch(
      /msg="datapath ready" version=\S+ revision=\S+ kernel=\S+ libbpf=\S+ attach_mode=tcx vrf_slots=256 interface_slots=4096 config_file=\/etc\/vrf-agent\/vrf-agent.yml /,
    );
  });

  it("re-reads its config on systemctl reload (SIGHUP), without a restart", async () => {
    const pid = await container.mainPid();
    await container.check(["systemctl", "reload", "vrf-agent"]);
    await waitFor(async () =>
      /msg=reloaded config_file=\/etc\/vrf-agent\/vrf-agent.yml/.test(await container.journal()),
    );
    expect(await container.mainPid()).toBe(pid);
  });

  it("validates its configs with check, as its own user with the unit's capabilities", async () => {
    const run = await container.run([
      ...["systemd-run", "--quiet", "--wait", "--pipe", "--property=User=vrf-agent"],
      `--property=AmbientCapabilities=${await unitDirective("AmbientCapabilities")}`,
      ...["/usr/bin/vrf-agent", "check", "--config.file=/etc/vrf-agent/vrf-agent.yml"],
    ]);
    expect(run.stdout).toMatch(/^ok +agent config +\/etc\/vrf-agent\/vrf-agent.yml is valid$/m);
    expect(run.stdout).toMatch(/^ok +privileges /m);
    expect(run.stdout).toMatch(/^ok +bpffs +mounted; counters are pinned under \/sys\/fs\/bpf\/vrf-agent$/m);
  });

  // The measurement: the unit's set less one capability, for each one, through a drop-in.
  it.each([
    ["CAP_BPF", /^vrf-agent: missing CAP_BPF \(to load its BPF programs and maps\): /m],
    ["CAP_NET_ADMIN", /^vrf-agent: missing CAP_NET_ADMIN \(to attach the tc hooks\): /m],
    ["CAP_PERFMON", /^vrf-agent: missing CAP_PERFMON \(to attach the drop and unreachable tracing hooks\): /m],
    ["CAP_DAC_READ_SEARCH", /^vrf-agent: --bpf\.pin-path \/sys\/fs\/bpf\/vrf-agent: .*permission denied/m],
  ])("does not start without %s, and says why in one line", async (capability, why) => {
    const rest = (await unitDirective("AmbientCapabilities")).split(" ").filter((c) => c !== capability);
    const dropIn = "/run/systemd/system/vrf-agent.service.d";
    const conf = `[Service]\\nRestart=no\\nAmbientCapabilities=\\nAmbientCapabilities=${rest.join(" ")}\\n`;
    await container.check([
      "sh",
      "-c",
      `mkdir -p ${dropIn} && printf '${conf}' >${dropIn}/measure.conf && systemctl daemon-reload`,
    ]);
    try {
      await container.check(["systemctl", "restart", "vrf-agent"]);
      await waitFor(
        async () => (await container.run(["systemctl", "is-failed", "vrf-agent"])).stdout.trim() === "failed",
      );
      expect(await container.journal()).toMatch(why);
    } finally {
      await container.check(["sh", "-c", `rm -r ${dropIn} && systemctl daemon-reload && systemctl restart vrf-agent`]);
    }
    await ready();
  });

  it("is gone after apt purge: no file it shipped or made, no pin, the service stopped", async () => {
    expect(await readdir(join(bpffs, "vrf-agent"))).not.toEqual([]);
    const shipped = await shippedPaths();
    // The control: before the purge, the check finds the package.
    expect((await leftovers(container, shipped)).length).toBeGreaterThan(shipped.length);
    const purge = await container.run([
      "env",
      "DEBIAN_FRONTEND=noninteractive",
      "apt-get",
      "purge",
      "-y",
      "-q",
      "vrf-agent",
    ]);
    expect(purge.exitCode, purge.stderr).toBe(0);
    expect(await status("/-/healthy")).toBe(0);
    expect(await readdir(bpffs)).toEqual(pristine);
    expect(await leftovers(container, shipped)).toEqual([]);
  });
});
