/** The real agent inside the lab guest: started with the guest's node, reached through a forwarded port. */
import { setTimeout as sleep } from "node:timers/promises";
import { defaultPort } from "../agent/config/flags.js";
import { LabError } from "./errors.js";
import type { Lab } from "./lab.js";
import { projectRoot } from "./paths.js";

/** The agent's port in the guest; `Lab.boot({ forwardPorts: [agentPort] })` makes it reachable. */
export const agentPort = defaultPort;

export const agentUrl = (lab: Lab, path = "/metrics", scheme = "http") =>
  `${scheme}://127.0.0.1:${lab.hostPort(agentPort)}${path}`;

/**
 * The agent's command as this checkout runs it: this Node.js (24) by absolute path, since the
 * `node` on a shell's PATH may be the system's older one. The guest sees the same paths.
 */
export const agentCommand = [process.execPath, `${projectRoot}/dist/agent/cli.js`];

/** `vrf-agent status` against the lab's agent, as one line an operator can paste into a shell. */
export const statusCommand = (url: string) => [...agentCommand, "status", "--url", url].join(" ");

/**
 * Starts `vrf-agent` in the guest with extra flags and waits until `ready` answers: 200, or 401
 * when basic auth guards it (up, and the caller has the credentials). Its log is agent.log in
 * the run's output folder.
 */
export async function startAgent(
  lab: Lab,
  flags: string[] = [],
  ready = () => fetch(agentUrl(lab, "/-/ready")),
  /** Long enough for the seed topology under TCG; a benchmark's thousands of hooks take longer. */
  readyWithinMs = 90_000,
): Promise<void> {
  await lab.spawn("agent", [...agentCommand, `--web.listen-address=:${agentPort}`, ...flags]);
  const deadline = Date.now() + readyWithinMs;
  while (Date.now() < deadline) {
    const status = await ready().then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 || status === 401) return;
    await sleep(250);
  }
  throw new LabError(`the agent in the guest did not get ready; its log is ${lab.outDir}/agent.log`);
}

/** SIGTERM, as a supervisor stops it (or SIGINT, as a terminal does); resolves with how it ended. */
export const stopAgent = (lab: Lab, signal: NodeJS.Signals = "SIGTERM") => lab.kill("agent", signal);
