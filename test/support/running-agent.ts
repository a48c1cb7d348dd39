/**
 * The built agent run as a daemon on this host, the way a supervisor runs it: started (possibly
 * under a wrapper such as `ip netns exec` or `unshare`), waited for until it serves, scraped,
 * signalled, and waited for again until it exits.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll } from "vitest";
import { parseExposition, type Sample } from "../../agent/exposition.js";
import { assertBuilt, cli } from "./cli.js";

export interface RunningAgent {
  url: string;
  /** Its process (the wrapper's, for a wrapper that forks instead of exec'ing). */
  pid: number;
  /** Everything it has logged so far. */
  log(): string;
  scrape(init?: RequestInit): Promise<Sample[]>;
  /** Resolves once a log line matches (checked as lines arrive), or rejects after `ms`. */
  logged(pattern: RegExp, ms?: number): Promise<void>;
  signal(name: NodeJS.Signals): void;
  /** Its exit, after a signal or on its own. */
  exited(): Promise<{ exitCode: number | undefined; signal: string | undefined }>;
}

/** A shell wrapper that takes bpffs away first: the agent starts in a mount namespace with none. */
export const withoutBpffs = [
  "unshare",
  "--mount",
  "--propagation",
  "private",
  "sh",
  "-c",
  'while umount /sys/fs/bpf 2>/dev/null; do :; done; exec "$@"',
  "sh",
];

/** Waits until the agent logs that it serves; rejects with its log if it exits or stalls first. */
export async function startAgent(
  args: string[],
  /** `env` is added to the test's own environment. */
  options: { wrapper?: string[]; env?: Record<string, string> } = {},
): Promise<RunningAgent> {
  const argv = [...(options.wrapper ?? []), process.execPath, cli, "--web.listen-address=127.0.0.1:0", ...args];
  const [file = "", ...rest] = argv;
  const child = execa(file, rest, {
    reject: false,
    buffer: false,
    stdin: "ignore",
    stdout: "ignore",
    env: options.env ?? {},
  });
  let text = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    text += chunk;
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const result = child.then((r) => ({ exitCode: r.exitCode, signal: r.signal }));
  const logged = (pattern: RegExp, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(text)) return resolve();
      const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms; the log:\n${text}`)), ms);
      waiters.push({
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      void result.then(() => {
        if (!pattern.test(text)) reject(new Error(`exited before ${pattern}; the log:\n${text}`));
      });
    });
  await logged(/msg="serving metrics"/);
  const port = /msg="serving metrics" address=[^ ]*:(\d+)/.exec(text)?.[1];
  const url = `http://127.0.0.1:${port}/metrics`;
  return {
    url,
    pid: child.pid ?? 0,
    log: () => text,
    async scrape(init) {
      const response = await fetch(url, init);
      if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
      return parseExposition(await response.text());
    },
    logged,
    signal: (name) => child.kill(name),
    exited: () => result,
  };
}

/**
 * For a describe block that runs agents: `start` keeps each one, which is killed after its test;
 * `pinPath()` names a pin folder and `dir` is a scratch folder, both removed after the block.
 */
export function useAgents(name: string) {
  const prefix = `vrf-agent-test-${name}-`;
  const agents: RunningAgent[] = [];
  const scratch = { dir: "" };
  beforeAll(async () => {
    assertBuilt();
    scratch.dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) {
      agent.signal("SIGKILL");
      await agent.exited();
    }
  });
  afterAll(async () => {
    if (scratch.dir) await rm(scratch.dir, { recursive: true, force: true });
    for (const entry of await readdir("/sys/fs/bpf")) {
      if (entry.startsWith(prefix)) await rm(join("/sys/fs/bpf", entry), { recursive: true });
    }
  });
  return {
    get dir() {
      return scratch.dir;
    },
    pinPath: () => `/sys/fs/bpf/${prefix}${randomUUID()}`,
    async start(...args: Parameters<typeof startAgent>): Promise<RunningAgent> {
      const agent = await startAgent(...args);
      agents.push(agent);
      return agent;
    },
  };
}
