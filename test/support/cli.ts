/**
 * The built `vrf-agent` command (dist/agent/cli.js, which `npm test` builds first) run as a child
 * process, the way an operator meets it, and the one line on stderr its every refusal must be.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { expect } from "vitest";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
export const cli = join(projectRoot, "dist", "agent", "cli.js");
/** setpriv's arguments that make a command run as nobody (65534) with no groups. */
export const nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];

/** Listens on a port of 127.0.0.1 the kernel picks, and says which. */
export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/** A TCP port on 127.0.0.1 that nothing listens on: one the kernel just handed out and took back. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function assertBuilt(): void {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build:ts first`);
}

export interface RunOptions {
  /** Run as user 65534 (the caller checked it can). */
  nobody?: boolean;
  /** With `nobody`: these capabilities ambient (setpriv's form, e.g. "+bpf,+perfmon"). */
  caps?: string;
  /** Added to the environment; a key set to undefined is removed from it. */
  env?: Record<string, string | undefined>;
  timeout?: number;
}

/** Runs the built CLI; it never rejects, the result says how it ended. */
export function vrfAgent(args: string[], options: RunOptions = {}) {
  const argv = [process.execPath, cli, ...args];
  const caps = options.caps ? [`--inh-caps=${options.caps}`, `--ambient-caps=${options.caps}`] : [];
  const [file = "", ...rest] = options.nobody ? ["setpriv", ...nobody, ...caps, ...argv] : argv;
  // NO_COLOR: `check` and `status` colour their output when they think they may.
  const env = { NO_COLOR: "1", ...options.env };
  return execa(file, rest, { reject: false, stripFinalNewline: false, env, timeout: options.timeout ?? 30_000 });
}

/**
 * Runs the built CLI with its stdout on a terminal (a pty from util-linux's `script`), where
 * colour is allowed; the pty turns line ends into CRLF, and stdout and stderr arrive together.
 */
export function vrfAgentInTerminal(args: string[], options: RunOptions = {}) {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, cli, ...args].map(quote).join(" ");
  const env = { NO_COLOR: "1", ...options.env };
  return execa("script", ["--quiet", "--return", "--command", command, "/dev/null"], {
    reject: false,
    stdin: "ignore",
    env,
    timeout: options.timeout ?? 30_000,
  });
}

/**
 * The one line an operator reads: it names the program, and carries no stack trace. Log lines
 * the daemon wrote before failing (logfmt, so starting with ts=) are its log, not its answer.
 */
export function theLine(stderr: string): string {
  const lines = stderr.split("\n").filter((line) => line !== "" && !line.startsWith("ts="));
  expect(lines, `stderr was:\n${stderr}`).toHaveLength(1);
  const [line = ""] = lines;
  expect(line).toMatch(/^vrf-agent\b/);
  expect(line).not.toMatch(/^vrf-agent[^:]*: vrf-agent/);
  expect(stderr).not.toContain("    at ");
  return line;
}
