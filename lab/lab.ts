/**
 * The lab VM as tests and `npm run lab` use it: boot a guest with a real VRF kernel, run
 * commands and scenarios in it with structured results, reach its forwarded ports, shut it down.
 */
import { access, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { type Command, ControlChannel } from "./control.js";
import { LabError } from "./errors.js";
import { guestProgram, projectRoot, runsDir } from "./paths.js";
import { prepareLab } from "./prepare.js";
import { type PortForward, qemuArgs, qemuBinary } from "./qemu.js";
import type { ExecResult, ExitResult } from "./rpc.js";

export interface BootOptions {
  /** Guest TCP ports to forward to free ports on the host's loopback. */
  forwardPorts?: readonly number[];
  memoryMiB?: number;
  cpus?: number;
  /** Under TCG on a busy 2-core machine a boot can take a while; past this it is an error. */
  bootTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
}

const startQemu = (args: string[]) => execa(qemuBinary, args, { reject: false, stdin: "ignore", stdout: "ignore" });
type Qemu = ReturnType<typeof startQemu>;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new LabError("no free port on 127.0.0.1");
  return address.port;
}

async function tail(file: string, lines = 25): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").slice(-lines).join("\n").trim();
}

export class Lab {
  private stopping = false;

  private constructor(
    private readonly qemu: Qemu,
    private readonly control: ControlChannel,
    /** Where this run's console log and guest output live (kept when a boot fails). */
    readonly runDir: string,
    private readonly socketDir: string,
    private readonly forwards: readonly PortForward[],
    /** Seconds from starting qemu to the control daemon answering. */
    readonly bootSeconds: number,
    /** The guest's kernel release. */
    readonly kernelRelease: string,
  ) {}

  static async boot(options: BootOptions = {}): Promise<Lab> {
    const progress = options.onProgress ?? (() => {});
    const prepared = await prepareLab(progress);
    await mkdir(runsDir, { recursive: true });
    const runDir = await mkdtemp(join(runsDir, "run-"));
    const outDir = join(runDir, "out");
    await mkdir(outDir);
    // A unix socket path must stay under 108 bytes, which a deep checkout could exceed.
    const socketDir = await mkdtemp(join(tmpdir(), "vrf-lab-"));
    const controlSocket = join(socketDir, "ctl.sock");
    const consoleLog = join(runDir, "console.log");
    const forwards: PortForward[] = [];
    for (const guest of options.forwardPorts ?? []) forwards.push({ host: await freePort(), guest });

    const args = qemuArgs({
      accel: prepared.accel,
      vmlinuz: prepared.kernel.vmlinuz,
      initramfs: prepared.initramfs,
      memoryMiB: options.memoryMiB ?? 2048,
      cpus: options.cpus ?? 2,
      hostRoot: "/",
      outDir,
      consoleLog,
      controlSocket,
      forwards,
      kernelArgs: [`lab.root=${projectRoot}`, `lab.out=${outDir}`, `lab.node=${process.execPath}`],
    });
    progress(`booting Linux ${prepared.kernel.release} under qemu (${prepared.accel})`);
    const started = performance.now();
    const qemu = startQemu(args);
    let exited: string | undefined;
    void qemu.then((result) => {
      exited =
        result.code === "ENOENT"
          ? `${qemuBinary} is not installed (npm run setup installs it)`
          : result.exitCode === 0
            ? "the guest powered off before its control daemon answered"
            : `qemu failed: ${(result.stderr || (result.message ?? "")).trim()}`;
    });

    const fail = async (reason: string): Promise<never> => {
      qemu.kill("SIGKILL");
      await qemu;
      await rm(socketDir, { recursive: true, force: true });
      const console = await tail(consoleLog);
      throw new LabError(
        `lab boot failed: ${exited ?? reason}\nrun folder: ${runDir}${console ? `\nconsole:\n${console}` : ""}`,
      );
    };

    const deadline = started + (options.bootTimeoutMs ?? 180_000);
    let socket: Socket | undefined;
    while (socket === undefined) {
      if (exited !== undefined || performance.now() > deadline) return fail("no control socket");
      if (
        await access(controlSocket).then(
          () => true,
          () => false,
        )
      ) {
        socket = await new Promise<Socket | undefined>((resolve) => {
          const s = createConnection(controlSocket, () => resolve(s)).once("error", () => resolve(undefined));
        });
      }
      if (socket === undefined) await sleep(50);
    }
    const control = new ControlChannel(socket);
    void qemu.then(() => control.fail(exited ?? "qemu exited"));
    progress("kernel started; waiting for the guest's control daemon");
    try {
      await control.send({ op: "ping" }, Math.max(1, deadline - performance.now()));
    } catch (error) {
      control.close();
      return fail(error instanceof Error ? error.message : String(error));
    }
    const bootSeconds = (performance.now() - started) / 1000;
    const lab = new Lab(qemu, control, runDir, socketDir, forwards, bootSeconds, prepared.kernel.release);
    progress(`guest ready after ${bootSeconds.toFixed(1)} s`);
    return lab;
  }

  /** Settles when qemu has exited, for whatever reason, with that reason. */
  get stopped(): Promise<string> {
    return this.qemu.then((result) =>
      this.stopping ? "shut down" : `qemu exited (${result.exitCode ?? result.signal})`,
    );
  }

  /** The run's output folder: the same path on the host and in the guest, writable by both. */
  get outDir(): string {
    return join(this.runDir, "out");
  }

  private async request<T = ExecResult>(command: Command, timeoutMs: number): Promise<T | undefined> {
    const response = await this.control.send(command, timeoutMs);
    if (!response.ok) throw new LabError(`guest ${command.op}: ${response.error}`);
    return response.result as T | undefined;
  }

  /** Runs a command in the guest and returns what it did, whatever its exit code. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const result = await this.request(
      { op: "exec", argv: [...argv], timeoutMs, ...(options.input === undefined ? {} : { input: options.input }) },
      timeoutMs + 10_000,
    );
    if (result === undefined) throw new LabError("guest exec answered without a result");
    return result;
  }

  /** Runs a command in the guest and returns its stdout; a non-zero exit is an error with stderr. */
  async run(argv: readonly string[], options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(argv, options);
    if (result.exitCode !== 0 || result.timedOut) {
      const why = result.timedOut ? "timed out" : `exited with ${result.exitCode}`;
      throw new LabError(`guest: ${argv.join(" ")} ${why}: ${result.stderr.trim()}`);
    }
    return result.stdout;
  }

  /** Runs `ip -j ...` in the guest and parses its JSON. */
  async ipJson<T = unknown>(args: readonly string[]): Promise<T> {
    const stdout = await this.run(["ip", "-j", ...args]);
    return JSON.parse(stdout.trim() === "" ? "[]" : stdout) as T;
  }

  /** Runs one of the lab's own guest programs (dist/lab/guest/NAME.js) with the guest's node. */
  node(program: string, args: readonly string[]): string[] {
    return [process.execPath, guestProgram(program), ...args];
  }

  /** Starts a long-running guest process; its output goes to NAME.log in the run folder. */
  async spawn(name: string, argv: readonly string[]): Promise<void> {
    await this.request({ op: "spawn", name, argv: [...argv] }, 30_000);
  }

  /** Signals a spawned process (SIGTERM by default) and returns how it ended. */
  async kill(name: string, signal: NodeJS.Signals = "SIGTERM"): Promise<ExitResult> {
    const ended = await this.request<ExitResult>({ op: "kill", name, signal }, 30_000);
    if (ended === undefined) throw new LabError("guest kill answered without a result");
    return ended;
  }

  /** Sends a signal to a spawned process that keeps running (SIGHUP). */
  async signal(name: string, signal: NodeJS.Signals): Promise<void> {
    await this.request({ op: "kill", name, signal, wait: false }, 30_000);
  }

  /** The host port that reaches a forwarded guest port on 127.0.0.1. */
  hostPort(guestPort: number): number {
    const forward = this.forwards.find((f) => f.guest === guestPort);
    if (forward === undefined) throw new LabError(`guest port ${guestPort} was not forwarded at boot`);
    return forward.host;
  }

  /** Asks the guest to power off, and makes sure qemu is gone. Safe to call twice. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.request({ op: "shutdown" }, 15_000).catch(() => undefined);
    const gone = await Promise.race([this.qemu.then(() => true), sleep(15_000, false)]);
    if (!gone) {
      this.qemu.kill("SIGKILL");
      await this.qemu;
    }
    this.control.close();
    await rm(this.socketDir, { recursive: true, force: true });
    await rm(this.runDir, { recursive: true, force: true });
  }
}
