/**
 * The container image `npm run package` saved, run under podman on this host's kernel the way
 * deploy/kubernetes/daemonset.yaml runs it: the host's network, a bpffs from the host at
 * /sys/fs/bpf, a read-only root, all capabilities dropped but the agent's three. This kernel has
 * no VRF driver, so there is nothing for the hooks to attach to: the datapath loading, the
 * metrics served and the refusal without capabilities are what is proven here; counting is the
 * lab tier's.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daemonCapabilities } from "../../agent/capabilities.js";
import { version } from "../../agent/version.js";
import { closedPort } from "../support/cli.js";
import { imageArchive, waitFor } from "../support/package.js";

const image = `localhost/vrf-agent:${version}`;
// Why each: crun refuses this host's hybrid cgroup layout, runc does not; the default rlimits of
// containers.conf are above this host's hard limits, which a container may not raise.
const podman = ["--runtime=runc"];
const limits = ["--ulimit=nofile=1024:1024", "--ulimit=nproc=1024:1024"];
// As the DaemonSet has it: podman's default profile allows bpf(2) only with CAP_SYS_ADMIN.
const seccomp = (profile: "default" | "unconfined") =>
  profile === "default" ? [] : ["--security-opt=seccomp=unconfined"];

describe("the container image under podman", () => {
  let bpffs: string;
  beforeAll(async () => {
    await execa("podman", [...podman, "load", "--quiet", `--input=${imageArchive}`]);
    bpffs = await mkdtemp(join(tmpdir(), "vrf-agent-image-bpffs-"));
    await execa("mount", ["-t", "bpf", "bpf", bpffs]);
  });
  afterAll(async () => {
    await execa("podman", [...podman, "rmi", "--force", image], { reject: false });
    if (bpffs) {
      await execa("umount", [bpffs], { reject: false });
      await rm(bpffs, { recursive: true, force: true });
    }
  });

  const run = (name: string, caps: string[], args: string[], profile: "default" | "unconfined" = "unconfined") =>
    execa(
      "podman",
      [
        ...podman,
        ...["run", "--rm", `--name=${name}`, "--network=host", "--read-only", ...limits, ...seccomp(profile)],
        ...["--cap-drop=all", ...caps.map((cap) => `--cap-add=${cap}`)],
        `--volume=${bpffs}:/sys/fs/bpf`,
        image,
        ...args,
      ],
      { reject: false },
    );

  it("serves /metrics with only the agent's capabilities and a read-only root, and stops cleanly", async () => {
    const port = await closedPort();
    const name = `vrf-agent-image-${port}`;
    const agent = run(name, daemonCapabilities, [`--web.listen-address=127.0.0.1:${port}`]);
    try {
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/-/ready`).then(
            (r) => r.status,
            () => 0,
          )) === 200,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^vrf_agent_hook_family_loaded\{family="traffic"\} 1$/m);
      expect(metrics).toMatch(new RegExp(`^vrf_agent_build_info\\{version="${version.replaceAll(".", "\\.")}",`, "m"));
      expect(await readdir(join(bpffs, "vrf-agent"))).toContain("vrf_traffic");
    } finally {
      await execa("podman", [...podman, "stop", "--time=15", name], { reject: false });
    }
    const ended = await agent;
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(ended.stderr).toMatch(/msg=stopped exit_code=0/);
  });

  it("cannot load its programs under podman's default seccomp profile, which is why the DaemonSet runs it unconfined", async () => {
    const ended = await run(`vrf-agent-image-seccomp-${await closedPort()}`, daemonCapabilities, [], "default");
    expect(ended.exitCode).toBe(1);
    expect(ended.stderr).toMatch(/^vrf-agent: no hook family could load \(traffic: load: Operation not permitted /m);
  });

  it("refuses in one line naming what is missing when the capabilities are not given", async () => {
    const ended = await run(`vrf-agent-image-nocaps-${await closedPort()}`, [], []);
    expect(ended.exitCode).toBe(1);
    expect(ended.stderr.trim()).toMatch(
      /^vrf-agent: missing CAP_BPF \(.+\), CAP_NET_ADMIN \(.+\), CAP_PERFMON \(.+\): /,
    );
  });
});
