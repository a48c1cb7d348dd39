/**
 * The lab half of `npm run bench:inventory`: Debian's 6.1 kernel under TCG with real VRFs: 1000
 * VRFs of 2 veth members each, 100 routes in each VRF's table and 100k in the main table, the
 * agent running in the guest beside iproute2's read of the same state.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { agentPort, agentUrl, startAgent } from "../../lab/agent.js";
import { Lab } from "../../lab/lab.js";
import { projectRoot } from "../../lab/paths.js";
import { cpuNs, fullSyncMs, iproute2ReadScript, median, schedstatCommand } from "./measure.js";

export interface LabFigures {
  lab_vrfs: number;
  lab_full_sync_ms: number;
  lab_iproute2_read_ms: number;
  lab_vrf_route_event_us: number;
  lab_member_visible_ms: number;
  lab_rss_mb: number;
  /** The JS thread's work per change: a snapshot of every VRF and the audit (median of 21). */
  lab_snapshot_ms: number;
}

const vrfs = 1000;
const routesPerVrf = 100;
const mainRoutes = 100_000;
const eventSeconds = 20;
const eventsPerSecond = 10;

/** The guest sees the host's root read-only, so batch files written here are there too. */
const batchDir = join(projectRoot, ".cache", "bench-inventory");

async function batch(lab: Lab, name: string, lines: string[]) {
  const file = join(batchDir, `${name}.batch`);
  await writeFile(file, `${lines.join("\n")}\n`);
  await lab.run(["ip", "-force", "-batch", file], { timeoutMs: 1_800_000 });
}

async function build(lab: Lab, say: (line: string) => void) {
  await mkdir(batchDir, { recursive: true });
  say(`creating ${vrfs} VRFs with 2 members each`);
  const links: string[] = [
    "link add big0 type veth peer name bigp",
    "link set big0 up",
    "link add new0 type veth peer name newp",
    "link set new0 up",
  ];
  for (let i = 0; i < vrfs; i++) {
    links.push(`link add vrf${i} type vrf table ${1000 + i}`, `link set vrf${i} up`);
    for (const m of ["a", "b"]) {
      links.push(
        `link add m${i}${m} type veth peer name p${i}${m}`,
        `link set m${i}${m} master vrf${i}`,
        `link set m${i}${m} up`,
      );
    }
  }
  await batch(lab, "links", links);
  say(`adding ${routesPerVrf} routes to each VRF table and ${mainRoutes} to main`);
  const routes: string[] = [];
  for (let i = 0; i < vrfs; i++) {
    for (let j = 0; j < routesPerVrf; j++)
      routes.push(`route add 10.${i >> 8}.${i & 255}.${j}/32 dev m${i}a table ${1000 + i}`);
  }
  for (let i = 0; i < mainRoutes; i++)
    routes.push(`route add 172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 dev big0`);
  await batch(lab, "routes", routes);
}

export async function benchLab(say: (line: string) => void): Promise<LabFigures> {
  const lab = await Lab.boot({ forwardPorts: [agentPort], memoryMiB: 3072, onProgress: say });
  try {
    await build(lab, say);
    const reads: number[] = [];
    for (let i = 0; i < 3; i++)
      reads.push(Number(await lab.run(["sh", "-c", iproute2ReadScript()], { timeoutMs: 600_000 })));
    say(`iproute2's read of it: ${reads.join(", ")} ms`);
    // What each change costs the JS thread: the snapshot of 1000 VRFs and the audit over it.
    const snapshot = [
      `const { openInventory } = await import(${JSON.stringify(`${projectRoot}/dist/agent/inventory/index.js`)});`,
      `const { loadNative } = await import(${JSON.stringify(`${projectRoot}/dist/agent/native.js`)});`,
      `const w = await openInventory(loadNative(), { netns: "" }); const ms = [];`,
      "for (let i = 0; i < 21; i++) { const t = performance.now(); w.current(); ms.push(performance.now() - t); }",
      "w.stop(); ms.sort((a, b) => a - b); console.log(ms[10]);",
    ].join("\n");
    const snapshotMs = Number(
      await lab.run([process.execPath, "--input-type=module", "-e", snapshot], { timeoutMs: 600_000 }),
    );
    say(`starting the agent (hooks on ${vrfs * 3} interfaces)`);

    await startAgent(lab, ["--bpf.pin-path=/sys/fs/bpf/vrf-agent-bench"], undefined, 1_800_000);
    const scrape = async () => (await fetch(agentUrl(lab))).text();
    const syncMs = fullSyncMs(await scrape());
    const pid = Number((await lab.run(["pgrep", "-o", "-f", "dist/agent/cli.js"])).trim());
    const cpu = async () => cpuNs(await lab.run(schedstatCommand(pid)));

    await sleep(5_000);
    const idleStart = await cpu();
    await sleep(eventSeconds * 1000);
    const idle = (await cpu()) - idleStart;
    say(`${eventsPerSecond} VRF-table route changes a second for ${eventSeconds} s`);
    const changes = eventSeconds * eventsPerSecond;
    const loop = [
      `i=0; while [ $i -lt ${changes} ]; do`,
      `  k=$(( (i / 2) % ${vrfs} ));`,
      `  if [ $((i % 2)) -eq 0 ]; then v=add; else v=del; fi;`,
      `  ip route $v 10.250.$((k / 256)).$((k % 256))/32 dev m\${k}a table $((1000 + k));`,
      `  i=$((i + 1)); sleep ${1 / eventsPerSecond};`,
      "done",
    ].join("\n");
    const busyStart = await cpu();
    const started = performance.now();
    await lab.run(["sh", "-c", loop], { timeoutMs: 600_000 });
    const elapsed = performance.now() - started;
    const busy = (await cpu()) - busyStart - (idle * elapsed) / (eventSeconds * 1000);

    say("enslaving a new member and waiting for its hooks");
    const visible: number[] = [];
    // Within the compiled-in 255 VRF slots: VRFs past them get no hooks (issue 10 lifts the cap).
    for (const vrf of [10, 100, 200]) {
      const t0 = performance.now();
      await lab.run(["ip", "link", "set", "new0", "master", `vrf${vrf}`]);
      for (;;) {
        const shown = await lab.run(["sh", "-c", "bpftool net show dev new0 2>/dev/null"]);
        if (/vrf_ingress|vrf_egress/.test(shown)) break;
        if (performance.now() - t0 > 60_000) throw new Error(`new0 got no hooks in vrf${vrf} within 60 s`);
      }
      visible.push(performance.now() - t0);
      await lab.run(["ip", "link", "set", "new0", "nomaster"]);
      await sleep(2_000);
    }
    const rss = Number(/VmRSS:\s+(\d+)/.exec(await lab.run(["cat", `/proc/${pid}/status`]))?.[1] ?? 0) / 1024;
    return {
      lab_vrfs: vrfs,
      lab_full_sync_ms: Math.round(syncMs * 10) / 10,
      lab_iproute2_read_ms: median(reads),
      lab_vrf_route_event_us: Math.round(busy / changes / 1000),
      lab_member_visible_ms: Math.round(median(visible)),
      lab_rss_mb: Math.round(rss * 10) / 10,
      lab_snapshot_ms: Math.round(snapshotMs * 10) / 10,
    };
  } finally {
    await lab.shutdown();
    await rm(batchDir, { recursive: true, force: true });
  }
}
