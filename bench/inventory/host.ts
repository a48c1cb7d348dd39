/**
 * The host half of `npm run bench:inventory` (this kernel has no VRF driver): a namespace with a
 * main table of 500k IPv4 and 100k IPv6 routes and 20k interfaces, the built agent running in it
 * (nsenter, so it keeps the host's bpffs), and main-table churn at 10 changes a second.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { startAgent } from "../../test/support/running-agent.js";
import {
  cpuNs,
  fullSyncMs,
  inventoryThreadsCommand,
  iproute2ReadScript,
  median,
  notificationsRead,
  rssMb,
  schedstatCommand,
} from "./measure.js";

const split = (argv: string[]) => [argv[0] ?? "", argv.slice(1)] as const;

export interface HostFigures {
  host_routes: number;
  host_interfaces: number;
  host_rss_mb: number;
  host_route_event_us: number;
  host_full_sync_ms: number;
  host_iproute2_read_ms: number;
  /** CPU over the idle windows together, the baseline taken off. */
  host_idle_cpu_ms: number;
  /** The inventory thread's own share of host_route_event_us. */
  host_inventory_thread_event_us: number;
  /** Each round's busy less idle CPU per change: the noise of an idle agent is its spread. */
  host_route_event_us_rounds: number[];
  /** Notifications the agent read during the churn (main-table changes are dropped in the kernel). */
  host_notifications_read: number;
}

const netns = "vrf-agent-bench-inventory";
const v4 = 500_000;
const v6 = 100_000;
const veths = 10_000;
const rounds = 6;
const windowSeconds = 10;
const churnPerSecond = 10;

const batch = async (lines: string[], family: string[] = []) => {
  const file = join(tmpdir(), `vrf-agent-bench-${process.pid}.batch`);
  await writeFile(file, `${lines.join("\n")}\n`);
  try {
    await execa("ip", [...family, "-n", netns, "-force", "-batch", file]);
  } finally {
    await rm(file, { force: true });
  }
};

/** Inside the namespace: its loopback is where the agent listens. */
const inNetns = (argv: string[]) => execa("nsenter", [`--net=/run/netns/${netns}`, ...argv]);

async function build(say: (line: string) => void) {
  await execa("ip", ["netns", "delete", netns], { reject: false });
  await execa("ip", ["netns", "add", netns]);
  await batch(["link set lo up", "link add v0 type veth peer name w0", "link set v0 up", "link set w0 up"]);
  // Routes first: iproute2 resolves `dev v0` by listing the links, which 20k of them make slow.
  say(`adding ${v4} IPv4 and ${v6} IPv6 main-table routes`);
  await batch(
    Array.from({ length: v4 }, (_, i) => `route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev v0`),
  );
  await batch(
    Array.from(
      { length: v6 },
      (_, i) => `route add 2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64 dev v0`,
    ),
    ["-6"],
  );
  say(`adding ${veths - 1} more veth pairs`);
  await batch(Array.from({ length: veths - 1 }, (_, i) => `link add v${i + 1} type veth peer name w${i + 1}`));
}

export async function benchHost(say: (line: string) => void): Promise<HostFigures> {
  await build(say);
  const count = async (args: string[]) => (await execa("ip", ["-n", netns, ...args])).stdout.split("\n").length;
  const routes = (await count(["-4", "route", "show"])) + (await count(["-6", "route", "show"]));
  const interfaces = await count(["-o", "link", "show"]);
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) reads.push(Number((await execa("sh", ["-c", iproute2ReadScript(netns)])).stdout));

  const pinPath = `/sys/fs/bpf/vrf-agent-bench-inventory-${process.pid}`;
  const agent = await startAgent([`--bpf.pin-path=${pinPath}`, "--web.listen-address=127.0.0.1:19852"], {
    wrapper: ["nsenter", `--net=/run/netns/${netns}`],
  });
  const sample = async () => ({
    all: cpuNs((await execa(...split(schedstatCommand(agent.pid)))).stdout),
    inventory: cpuNs((await execa(...split(inventoryThreadsCommand(agent.pid)))).stdout),
  });
  const scrape = async () =>
    (
      await inNetns([
        process.execPath,
        "-e",
        "fetch('http://127.0.0.1:19852/metrics').then(r=>r.text()).then(t=>process.stdout.write(t))",
      ])
    ).stdout;
  try {
    const syncMs = fullSyncMs(await scrape());
    await sleep(2_000);
    // Idle and churn windows alternate, so a slow drift of the machine's load falls on both.
    say(
      `${rounds} rounds of ${windowSeconds} s idle, then ${windowSeconds} s of ${churnPerSecond} main-table route changes a second`,
    );
    const churn = execa("ip", ["-n", netns, "-force", "-batch", "-"], { stdin: "pipe" });
    const spent = { idle: { all: 0, inventory: 0 }, busy: { all: 0, inventory: 0 } };
    const perRound: number[] = [];
    const window = async (into: { all: number; inventory: number }, work: () => Promise<void>) => {
      const before = await sample();
      await work();
      const after = await sample();
      into.all += after.all - before.all;
      into.inventory += after.inventory - before.inventory;
      return after.all - before.all;
    };
    const notificationsBefore = notificationsRead(await scrape());
    let change = 0;
    for (let round = 0; round < rounds; round++) {
      const idle = await window(spent.idle, () => sleep(windowSeconds * 1000));
      const busy = await window(spent.busy, async () => {
        const started = performance.now();
        for (let i = 0; i < windowSeconds * churnPerSecond; i++, change++) {
          // Each route is added, then deleted by the next change.
          const k = change >> 1;
          churn.stdin?.write(
            `route ${change % 2 === 0 ? "add" : "del"} 172.16.${(k >> 8) & 255}.${k & 255}/32 dev v0\n`,
          );
          await sleep(Math.max(0, started + ((i + 1) * 1000) / churnPerSecond - performance.now()));
        }
      });
      perRound.push((busy - idle) / (windowSeconds * churnPerSecond) / 1000);
    }
    churn.stdin?.end();
    await churn;
    const notifications = notificationsRead(await scrape()) - notificationsBefore;
    const perChange = (ns: number) => Math.round((ns / change / 1000) * 10) / 10;
    const rss = rssMb(await readFile(`/proc/${agent.pid}/status`, "utf8"));
    return {
      host_routes: routes,
      host_interfaces: interfaces,
      host_rss_mb: Math.round(rss * 10) / 10,
      // The median round: one garbage collection falling in a window moves a whole round.
      host_route_event_us: Math.round(median(perRound) * 10) / 10,
      host_route_event_us_rounds: perRound.map((us) => Math.round(us)),
      host_notifications_read: notifications,
      host_inventory_thread_event_us: perChange(spent.busy.inventory - spent.idle.inventory),
      host_full_sync_ms: Math.round(syncMs * 10) / 10,
      host_iproute2_read_ms: median(reads),
      host_idle_cpu_ms: Math.round(spent.idle.all / 1e5) / 10,
    };
  } finally {
    agent.signal("SIGTERM");
    await agent.exited();
    await execa("ip", ["netns", "delete", netns], { reject: false });
    await rm(pinPath, { recursive: true, force: true });
  }
}
