/** Scrapes of the agent in the lab guest, and the guest kernel's counters to hold them against. */
import { parseExposition, type Sample } from "../../agent/exposition.js";
import { agentUrl } from "../../lab/agent.js";
import type { Lab } from "../../lab/lab.js";

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
