/** The real agent inside the lab guest, scraped from the host through the forwarded port. */
import { setTimeout as sleep } from "node:timers/promises";
import { defaultPort } from "../../agent/config/flags.js";
import { parseExposition, type Sample } from "../../agent/exposition.js";
import { projectRoot } from "../../agent/project-root.js";
import type { Lab } from "../../lab/lab.js";

export const agentPort = defaultPort;

export const agentUrl = (lab: Lab, path = "/metrics", scheme = "http") =>
  `${scheme}://127.0.0.1:${lab.hostPort(agentPort)}${path}`;

/** Starts `vrf-agent` in the guest with extra flags and waits until it reports ready. */
export async function startAgent(lab: Lab, flags: string[] = [], ready = agentUrl(lab, "/-/ready")): Promise<void> {
  await lab.spawn("agent", [
    process.execPath,
    `${projectRoot}/dist/agent/cli.js`,
    `--web.listen-address=:${agentPort}`,
    ...flags,
  ]);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const answered = await fetch(ready).then(
      (r) => r.status,
      () => 0,
    );
    // 401: up behind basic auth, which is ready enough for the caller to go on with credentials.
    if (answered === 200 || answered === 401) return;
    await sleep(250);
  }
  throw new Error(`the agent in the guest did not get ready; its log is ${lab.outDir}/agent.log`);
}

/** SIGTERM, as a supervisor stops it; resolves once it has exited. */
export const stopAgent = (lab: Lab) => lab.kill("agent");

export async function scrape(lab: Lab): Promise<Sample[]> {
  const response = await fetch(agentUrl(lab));
  if (!response.ok) throw new Error(`scrape answered ${response.status}`);
  return parseExposition(await response.text());
}

/** The guest kernel's packet and byte counters of some interfaces, from sysfs. */
export async function kernelCounters(lab: Lab, names: string[]): Promise<Record<string, number[]>> {
  const script = names
    .map((n) => `cat /sys/class/net/${n}/statistics/{rx_packets,tx_packets,rx_bytes,tx_bytes} | tr '\\n' ' '; echo`)
    .join(";");
  const lines = (await lab.run(["bash", "-c", script])).trim().split("\n");
  return Object.fromEntries(names.map((n, i) => [n, (lines[i] ?? "").trim().split(" ").map(Number)]));
}

/**
 * A scrape and the kernel's counters as of one instant: the kernel's are read before and after
 * the scrape, and the pair is kept only when they did not move in between.
 */
export async function consistentScrape(
  lab: Lab,
  names: string[],
): Promise<{ samples: Sample[]; kernel: Record<string, number[]> }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const before = await kernelCounters(lab, names);
    const samples = await scrape(lab);
    const kernel = await kernelCounters(lab, names);
    if (JSON.stringify(before) === JSON.stringify(kernel)) return { samples, kernel };
  }
  throw new Error("the guest's counters never held still for a scrape");
}
