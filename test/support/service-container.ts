/**
 * The package's Debian root (build/package/root, made by `npm run package`: mmdebstrap, then apt
 * installing the .deb) booted with systemd-nspawn, on this host or inside the lab guest, so the
 * vrf-agent unit runs exactly as systemd runs it on a router: its user, its capabilities, its
 * hardening, /etc/default/vrf-agent. The root itself is never changed: the container writes to a
 * tmpfs over it (--volatile=overlay), so `apt purge` inside can be checked and leaves no trace.
 */

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { projectRoot } from "../../agent/artifacts.js";

export const packageDir = join(projectRoot, "build", "package");
export const packageRoot = join(packageDir, "root");

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Where the container runs: this host, or the lab guest (same paths: it shares the host's root). */
export interface Runner {
  exec(argv: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** Starts a process that outlives the call; `stop` ends it with SIGTERM and waits. */
  spawn(name: string, argv: readonly string[]): Promise<void>;
  stop(name: string): Promise<void>;
}

const startOnHost = (file: string, args: string[]) => execa(file, args, { reject: false, stdin: "ignore" });

export function hostRunner(): Runner {
  const running = new Map<string, ReturnType<typeof startOnHost>>();
  return {
    exec: async (argv, timeoutMs = 120_000) => {
      const [file = "", ...args] = argv;
      const result = await execa(file, args, { reject: false, timeout: timeoutMs });
      return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
    },
    spawn: async (name, argv) => {
      const [file = "", ...args] = argv;
      running.set(name, startOnHost(file, args));
    },
    stop: async (name) => {
      const process = running.get(name);
      process?.kill("SIGTERM");
      await process;
      running.delete(name);
    },
  };
}

/** A directive's value in the unit the package installed into the root. */
export async function unitDirective(directive: string): Promise<string> {
  const unit = await readFile(join(packageRoot, "lib/systemd/system/vrf-agent.service"), "utf8");
  const line = unit.split("\n").find((l) => l.startsWith(`${directive}=`));
  if (line === undefined) throw new Error(`the unit has no ${directive}=`);
  return line.slice(directive.length + 1);
}

const nsenter = (pid: string, argv: readonly string[]) => ["nsenter", `--target=${pid}`, "--all", "--", ...argv];

export class ServiceContainer {
  private constructor(
    private readonly runner: Runner,
    readonly machine: string,
    private readonly leader: string,
  ) {}

  /**
   * Boots the root with systemd as its PID 1 in this runner's network namespace, with the host's
   * `bpffs` folder as its /sys/fs/bpf. The container may hold the unit's capabilities (its
   * services get no more than their units give them), and nspawn's own seccomp filter lets bpf(2) through.
   */
  static async boot(runner: Runner, options: { machine: string; bpffs: string }): Promise<ServiceContainer> {
    if (!existsSync(join(packageRoot, "usr/bin/vrf-agent"))) {
      throw new Error(`${packageRoot} has no installed vrf-agent: run npm run package first`);
    }
    const capabilities = (await unitDirective("CapabilityBoundingSet")).split(" ").join(",");
    await runner.spawn(options.machine, [
      "systemd-nspawn",
      "--quiet",
      `--directory=${packageRoot}`,
      `--machine=${options.machine}`,
      "--volatile=overlay",
      "--register=no",
      "--keep-unit",
      `--capability=${capabilities}`,
      "--system-call-filter=bpf",
      `--bind=${options.bpffs}:/sys/fs/bpf`,
      "--boot",
    ]);
    // The container's PID 1: the child of the nspawn process started with this machine name, once
    // it is systemd (before, it is nspawn setting the container up).
    const find = `for p in $(pgrep -x systemd-nspawn); do tr '\\0' ' ' </proc/$p/cmdline | grep -q -- '--machine=${options.machine} ' && pgrep -x -P $p systemd; done`;
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      const leader = (await runner.exec(["sh", "-c", find])).stdout.trim();
      // Booted when systemd says it finished starting ("offline": its bus is not up yet; degraded
      // counts, a unit of Debian's own may fail in a container and the agent's is the tests' job).
      const state =
        leader === ""
          ? ""
          : (await runner.exec(nsenter(leader, ["systemctl", "is-system-running", "--wait"]))).stdout.trim();
      if (state === "running" || state === "degraded") return new ServiceContainer(runner, options.machine, leader);
      if (state !== "" && state !== "offline" && state !== "starting" && state !== "initializing") {
        throw new Error(`the container did not boot: systemd is ${state}`);
      }
      await sleep(200);
    }
    throw new Error(`systemd-nspawn --machine=${options.machine} did not start`);
  }

  /** Runs a command inside the container (all its namespaces), as its root. */
  run(argv: readonly string[], timeoutMs?: number): Promise<RunResult> {
    return this.runner.exec(nsenter(this.leader, argv), timeoutMs);
  }

  /** Like run, but a non-zero exit is an error with its stderr. */
  async check(argv: readonly string[], timeoutMs?: number): Promise<string> {
    const result = await this.run(argv, timeoutMs);
    if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${result.exitCode}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** The agent's log lines since this boot, as the journal holds them. */
  async journal(): Promise<string> {
    return this.check(["journalctl", "--boot", "--unit=vrf-agent", "--output=cat", "--no-pager"]);
  }

  /** The agent's main process, while the service runs. */
  async mainPid(): Promise<string> {
    return (await this.check(["systemctl", "show", "--property=MainPID", "--value", "vrf-agent"])).trim();
  }

  /** Powers the container off (nspawn's SIGTERM), leaving the root as it was. */
  async stop(): Promise<void> {
    await this.runner.stop(this.machine);
  }
}
