/**
 * `npm run lab`: the lab guest with the seed topology, steady mixed traffic and the agent
 * running inside it, its /metrics forwarded to the host, until Ctrl-C.
 */
import { agentPort, agentUrl, startAgent, statusCommand } from "../agent.js";
import { Lab } from "../lab.js";
import { applyTopology, startSteadyTraffic } from "../scenarios.js";
import { seedTopology } from "../topology.js";
import { progress, runCli } from "./run.js";

/** Past this, a stop that hangs is cut short: the operator asked for the terminal back. */
const forcedExitMs = 30_000;

runCli(async () => {
  const say = progress();
  const lab = await Lab.boot({ onProgress: say, forwardPorts: [agentPort] });
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping the lab`);
    setTimeout(() => process.exit(1), forcedExitMs).unref();
    await lab.shutdown();
    say("lab stopped");
    process.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop(signal));

  await applyTopology(lab);
  for (const vrf of seedTopology.vrfs) {
    const names = vrf.members.map((m) => (m.addresses ? `${m.name} ${m.addresses.ipv4}` : `${m.name} (down)`));
    say(`VRF ${vrf.name.padEnd(5)} table ${String(vrf.table).padEnd(3)} ${names.join(", ")}`);
  }
  const flows = await startSteadyTraffic(lab);
  say(`steady traffic: ${flows.length} flows (pings in both families, UDP, an unrouted destination)`);
  say("starting vrf-agent in the guest");
  await startAgent(lab);
  say(`metrics: ${agentUrl(lab)}`);
  say(`the operator's view: ${statusCommand(agentUrl(lab))}`);
  say(`guest output (agent.log, traffic logs): ${lab.outDir}`);
  say("Ctrl-C stops the lab");
  const ended = await lab.stopped;
  if (!stopping) {
    console.error(`lab: the guest stopped on its own: ${ended}; console log in ${lab.runDir}`);
    process.exit(1);
  }
});
