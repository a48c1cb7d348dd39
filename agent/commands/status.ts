/**
 * `vrf-agent status`: the running agent's view in the terminal, from its own /metrics (two
 * scrapes a second apart give rates): VRFs with tables and members, traffic, drops by reason,
 * unreachable hits, and the cross-VRF matrix with unexpected pairs first, marked. It reads an
 * agent behind the web config's TLS, client certificates and basic auth with the flags a
 * Prometheus scrape config has.
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import Table from "cli-table3";
import { defaultPort } from "../config/flags.js";
import { fsReason } from "../config/yaml-file.js";
import { parseExposition, type Sample, total } from "../exposition.js";
import { OperatorError } from "../operator-error.js";
import { type Colours, coloursFor, plainTableStyle } from "./colours.js";
import { Command, InvalidArgumentError, parseCommand, usage } from "./options.js";
import { type ScrapeTarget, scrapeText } from "./scrape-client.js";

const byLabel = (samples: Sample[], name: string, label: string) =>
  [...new Set(samples.filter((s) => s.name === name).map((s) => s.labels[label] ?? ""))].sort();

const rate = (a: Sample[], b: Sample[], seconds: number, name: string, labels: Record<string, string>) =>
  (total(b, name, labels) - total(a, name, labels)) / seconds;

const fixed = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

export function renderStatus(before: Sample[], after: Sample[], seconds: number, pc: Colours): string {
  const out: string[] = [];
  const table = (head: string[]) => new Table({ head: head.map((h) => pc.red(h)), style: plainTableStyle });
  const vrfs = byLabel(after, "vrf_info", "vrf");
  const overview = table([
    "VRF",
    "table",
    "members up",
    "rx pkt/s",
    "tx pkt/s",
    "drops/s",
    "unreachable/s",
    "problems",
  ]);
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
    const reasons = table(["VRF", "drop reason", "total", "per s"]);
    for (const d of drops.sort((x, y) => y.value - x.value)) {
      reasons.push([
        d.labels.vrf ?? "",
        d.labels.reason ?? "",
        d.value,
        fixed(rate(before, after, seconds, d.name, d.labels)),
      ]);
    }
    out.push(`Drops by kernel reason\n${reasons.toString()}`);
  }

  const hits = after.filter((s) => s.name === "vrf_unreachable_hits_total" && s.value > 0);
  if (hits.length > 0) {
    const routes = table(["VRF", "family", "route", "total", "per s"]);
    for (const h of hits) {
      routes.push([
        h.labels.vrf ?? "",
        h.labels.family ?? "",
        h.labels.route ?? "",
        h.value,
        fixed(rate(before, after, seconds, h.name, h.labels)),
      ]);
    }
    out.push(`Unreachable hits\n${routes.toString()}`);
  }

  const cross = after.filter((s) => s.name === "vrf_cross_packets_total");
  if (cross.length > 0) {
    const expected = (s: Sample) =>
      total(after, "vrf_cross_expected", { src_vrf: s.labels.src_vrf ?? "", dst_vrf: s.labels.dst_vrf ?? "" }) === 1;
    const pairs = table(["from VRF", "to VRF", "packets", "pkt/s", "expected"]);
    for (const c of cross.sort((x, y) => Number(expected(x)) - Number(expected(y)) || y.value - x.value)) {
      const ok = expected(c);
      const row = [
        c.labels.src_vrf ?? "",
        c.labels.dst_vrf ?? "",
        String(c.value),
        fixed(rate(before, after, seconds, c.name, c.labels)),
        ok ? "yes" : "NO",
      ];
      pairs.push(ok ? row : row.map((cell) => pc.red(pc.bold(cell))));
    }
    out.push(`Cross-VRF traffic (leaks)\n${pairs.toString()}`);
  } else {
    out.push(pc.green("No traffic crossed between VRFs."));
  }
  return `${out.join("\n\n")}\n`;
}

interface StatusFlags {
  url: URL;
  interval: number;
  "tls.caFile"?: string;
  "tls.certFile"?: string;
  "tls.keyFile"?: string;
  "tls.insecureSkipVerify"?: boolean;
  "basicAuth.username"?: string;
  "basicAuth.passwordFile"?: string;
}

export async function runStatusCommand(argv: string[]): Promise<number> {
  const program = new Command("vrf-agent status")
    .description("Shows the running agent's view: VRFs, traffic, drops, unreachable hits, leaks.")
    .option(
      "--url <url>",
      "the agent's metrics URL, http:// or https://",
      agentUrl,
      new URL(`http://127.0.0.1:${defaultPort}/metrics`),
    )
    .option("--interval <seconds>", "time between the two scrapes that give rates", interval, 1)
    .option("--tls.ca-file <file>", "CA to verify the agent's certificate with (default: the system's)")
    .option("--tls.cert-file <file>", "client certificate, for an agent that wants one (with --tls.key-file)")
    .option("--tls.key-file <file>", "the client certificate's key")
    .option("--tls.insecure-skip-verify", "do not verify the agent's certificate")
    .option("--basic-auth.username <name>", "basic auth user (with --basic-auth.password-file)")
    .option("--basic-auth.password-file <file>", "file holding the basic auth password (never on the command line)");
  const parsed = parseCommand<StatusFlags>(program, argv);
  if (!parsed.ok) return usage(parsed);
  const target = await scrapeTarget(parsed.options);
  const seconds = parsed.options.interval;
  const scrape = async () => {
    const text = await scrapeText(target);
    try {
      return parseExposition(text);
    } catch (error) {
      // A landing page or another exporter's URL, say: the operator's mistake, not the agent's.
      throw new OperatorError(
        `${target.url} did not answer with Prometheus metrics: ${(error as Error).message.slice(0, 80).replace(/\p{Cc}/gu, "?")}`,
      );
    }
  };
  const before = await scrape();
  await sleep(seconds * 1000);
  const after = await scrape();
  process.stdout.write(renderStatus(before, after, seconds, coloursFor(process.stdout)));
  return 0;
}

function agentUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("not a URL (http://HOST:PORT/metrics or https://...)");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidArgumentError("must be http:// or https://");
  return url;
}

/** Above 0, and short enough to wait for: setTimeout would fire at once past 24 days. */
function interval(value: string): number {
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new InvalidArgumentError("must be a number of seconds above 0, at most 3600");
  }
  return seconds;
}

/** The flags as a scrape target; a combination that cannot work or a file that cannot be read is a usage error. */
async function scrapeTarget(flags: StatusFlags): Promise<ScrapeTarget> {
  const usageError = (message: string) => new OperatorError(message, 2);
  const { url } = flags;
  const tlsFlags = ["tls.caFile", "tls.certFile", "tls.keyFile", "tls.insecureSkipVerify"] as const;
  if (url.protocol !== "https:" && tlsFlags.some((flag) => flags[flag] !== undefined)) {
    throw usageError(`the --tls.* flags need an https:// --url, not ${url}`);
  }
  if ((flags["tls.certFile"] === undefined) !== (flags["tls.keyFile"] === undefined)) {
    throw usageError("--tls.cert-file and --tls.key-file go together");
  }
  if ((flags["basicAuth.username"] === undefined) !== (flags["basicAuth.passwordFile"] === undefined)) {
    throw usageError("--basic-auth.username and --basic-auth.password-file go together");
  }
  const read = async (file: string | undefined) => {
    if (file === undefined) return undefined;
    try {
      return await readFile(file);
    } catch (error) {
      throw usageError(`cannot read ${file}: ${fsReason(error)}`);
    }
  };
  const target: ScrapeTarget = { url, tls: { insecureSkipVerify: flags["tls.insecureSkipVerify"] === true } };
  const [ca, cert, key, password] = await Promise.all([
    read(flags["tls.caFile"]),
    read(flags["tls.certFile"]),
    read(flags["tls.keyFile"]),
    read(flags["basicAuth.passwordFile"]),
  ]);
  if (ca) target.tls.ca = ca;
  if (cert) target.tls.cert = cert;
  if (key) target.tls.key = key;
  if (password !== undefined && flags["basicAuth.username"] !== undefined) {
    // The line end an editor or `echo` leaves is not part of the password.
    target.basicAuth = {
      username: flags["basicAuth.username"],
      password: password.toString("utf8").replace(/\r?\n$/, ""),
    };
  }
  return target;
}
