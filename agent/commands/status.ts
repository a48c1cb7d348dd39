/**
 * `vrf-agent status`: the running agent's view in the terminal, from its own /metrics (two
 * scrapes a second apart give rates): VRFs with tables and members, traffic, drops by reason,
 * unreachable hits, and the cross-VRF matrix with unexpected pairs first, marked.
 */
import { setTimeout as sleep } from "node:timers/promises";
import Table from "cli-table3";
import pc from "picocolors";
import { defaultPort } from "../config/flags.js";
import { parseExposition, type Sample, total } from "../exposition.js";
import { Command, parseCommand, usage } from "./options.js";

const byLabel = (samples: Sample[], name: string, label: string) =>
  [...new Set(samples.filter((s) => s.name === name).map((s) => s.labels[label] ?? ""))].sort();

const rate = (a: Sample[], b: Sample[], seconds: number, name: string, labels: Record<string, string>) =>
  (total(b, name, labels) - total(a, name, labels)) / seconds;

const fixed = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

export function renderStatus(before: Sample[], after: Sample[], seconds: number): string {
  const out: string[] = [];
  const vrfs = byLabel(after, "vrf_info", "vrf");
  const overview = new Table({
    head: ["VRF", "table", "members up", "rx pkt/s", "tx pkt/s", "drops/s", "unreachable/s", "problems"],
  });
  for (const vrf of vrfs) {
    const table = after.find((s) => s.name === "vrf_info" && s.labels.vrf === vrf)?.labels.table ?? "";
    const members = after.filter((s) => s.name === "vrf_member_up" && s.labels.vrf === vrf);
    const problems = after
      .filter((s) => s.name === "vrf_config_problem" && s.labels.vrf === vrf && s.value === 1)
      .map((s) => s.labels.check ?? "");
    overview.push([
      vrf,
      table,
      `${members.filter((m) => m.value === 1).length}/${members.length}`,
      fixed(rate(before, after, seconds, "vrf_receive_packets_total", { vrf })),
      fixed(rate(before, after, seconds, "vrf_transmit_packets_total", { vrf })),
      fixed(rate(before, after, seconds, "vrf_drops_total", { vrf })),
      fixed(rate(before, after, seconds, "vrf_unreachable_hits_total", { vrf })),
      problems.length === 0 ? pc.green("none") : pc.red(problems.join(", ")),
    ]);
  }
  out.push(overview.toString());

  const drops = after.filter((s) => s.name === "vrf_drops_total" && s.value > 0);
  if (drops.length > 0) {
    const table = new Table({ head: ["VRF", "drop reason", "total", "per s"] });
    for (const d of drops.sort((x, y) => y.value - x.value)) {
      table.push([
        d.labels.vrf ?? "",
        d.labels.reason ?? "",
        d.value,
        fixed(rate(before, after, seconds, d.name, d.labels)),
      ]);
    }
    out.push(`Drops by kernel reason\n${table.toString()}`);
  }

  const hits = after.filter((s) => s.name === "vrf_unreachable_hits_total" && s.value > 0);
  if (hits.length > 0) {
    const table = new Table({ head: ["VRF", "family", "route", "total", "per s"] });
    for (const h of hits) {
      table.push([
        h.labels.vrf ?? "",
        h.labels.family ?? "",
        h.labels.route ?? "",
        h.value,
        fixed(rate(before, after, seconds, h.name, h.labels)),
      ]);
    }
    out.push(`Unreachable hits\n${table.toString()}`);
  }

  const cross = after.filter((s) => s.name === "vrf_cross_packets_total");
  if (cross.length > 0) {
    const expected = (s: Sample) =>
      total(after, "vrf_cross_expected", { src_vrf: s.labels.src_vrf ?? "", dst_vrf: s.labels.dst_vrf ?? "" }) === 1;
    const table = new Table({ head: ["from VRF", "to VRF", "packets", "pkt/s", "expected"] });
    for (const c of cross.sort((x, y) => Number(expected(x)) - Number(expected(y)) || y.value - x.value)) {
      const ok = expected(c);
      const row = [
        c.labels.src_vrf ?? "",
        c.labels.dst_vrf ?? "",
        String(c.value),
        fixed(rate(before, after, seconds, c.name, c.labels)),
        ok ? "yes" : "NO",
      ];
      table.push(ok ? row : row.map((cell) => pc.red(pc.bold(cell))));
    }
    out.push(`Cross-VRF traffic (leaks)\n${table.toString()}`);
  } else {
    out.push(pc.green("No traffic crossed between VRFs."));
  }
  return `${out.join("\n\n")}\n`;
}

export async function runStatusCommand(argv: string[]): Promise<number> {
  const program = new Command("vrf-agent status")
    .description("Shows the running agent's view: VRFs, traffic, drops, unreachable hits, leaks.")
    .option("--url <url>", "the agent's metrics URL", `http://127.0.0.1:${defaultPort}/metrics`)
    .option("--interval <seconds>", "time between the two scrapes that give rates", "1");
  const parsed = parseCommand<{ url: string; interval: string }>(program, argv);
  if (!parsed.ok) return usage(parsed);
  const seconds = Number(parsed.options.interval);
  const scrape = async () => {
    const response = await fetch(parsed.options.url).catch((error: Error) => {
      throw new Error(`no agent answers at ${parsed.options.url} (${error.cause ?? error.message}): is it running?`);
    });
    if (!response.ok) throw new Error(`${parsed.options.url} answered ${response.status} ${response.statusText}`);
    return parseExposition(await response.text());
  };
  try {
    const before = await scrape();
    await sleep(seconds * 1000);
    process.stdout.write(renderStatus(before, await scrape(), seconds));
    return 0;
  } catch (error) {
    process.stderr.write(`vrf-agent status: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
