/**
 * `npm run bench:inventory`: what the inventory costs on a router-sized namespace, against the
 * iproute2 read it replaced, in the same run.
 *
 * Host (this kernel, no VRF driver): a namespace with 500k IPv4 + 100k IPv6 main-table routes and
 * 20k interfaces, the built agent running in it. Its full dump (the links; no VRF owns the main
 * table, so it is never read) from its own metric; its CPU (every thread's schedstat) over six
 * rounds of 10 s idle then 10 s of 10 main-table route changes a second, busy less idle per
 * change in the median round (and the inventory thread's own share, and the notifications it
 * read, from its metric); its RSS at the end.
 *
 * Lab (Debian 6.1 under TCG): 1000 VRFs x 2 members, 100 routes per VRF table, 100k main-table
 * routes. The agent's full dump against iproute2's six JSON dumps of the same guest (median of 3);
 * its CPU per VRF-table route change (10 a second for 20 s, less idle); the time from enslaving a
 * new member to its hooks showing in `bpftool net` (median of 3); the JS thread's work per change
 * (a snapshot of every VRF and the audit, median of 21).
 *
 * Goals asserted: host_route_event_us <= 50, host_rss_mb <= 150, host_full_sync_ms <= 300,
 * lab_full_sync_ms <= lab_iproute2_read_ms / 10, lab_member_visible_ms <= 1000.
 */
import { release } from "node:os";
import { expect, it } from "vitest";
import { benchHost, type HostFigures } from "./inventory/host.js";
import { benchLab, type LabFigures } from "./inventory/lab.js";

const say = (line: string) => console.log(`[bench] ${line}`);

it("keeps the inventory's cost to what the VRFs own", { timeout: 3_600_000 }, async () => {
  const host: HostFigures = await benchHost(say);
  console.log(
    `\nhost (kernel ${release()}): ${host.host_routes} main-table routes, ${host.host_interfaces} interfaces`,
  );
  console.log(
    `  agent full dump            ${host.host_full_sync_ms} ms   (iproute2's read, today's approach: ${host.host_iproute2_read_ms} ms)`,
  );
  console.log(
    `  agent CPU per route change ${host.host_route_event_us} us   (median round; rounds ${host.host_route_event_us_rounds.join(", ")} us; inventory thread ${host.host_inventory_thread_event_us} us; ${host.host_notifications_read} notifications read; idle over 60 s: ${host.host_idle_cpu_ms} ms)`,
  );
  console.log(`  agent RSS                  ${host.host_rss_mb} MB`);

  const lab: LabFigures = await benchLab(say);
  console.log(`\nlab (Debian 6.1, TCG): ${lab.lab_vrfs} VRFs x 2 members, 100 routes each, 100k main`);
  console.log(
    `  agent full dump            ${lab.lab_full_sync_ms} ms   (iproute2's read: ${lab.lab_iproute2_read_ms} ms)`,
  );
  console.log(`  agent CPU per VRF route    ${lab.lab_vrf_route_event_us} us`);
  console.log(`  member to hooks            ${lab.lab_member_visible_ms} ms`);
  console.log(`  JS thread per change       ${lab.lab_snapshot_ms} ms   (snapshot of every VRF and the audit)`);
  console.log(`  agent RSS                  ${lab.lab_rss_mb} MB`);
  console.log(JSON.stringify({ ...host, ...lab }));

  expect(host.host_route_event_us).toBeLessThanOrEqual(50);
  expect(host.host_rss_mb).toBeLessThanOrEqual(150);
  expect(host.host_full_sync_ms).toBeLessThanOrEqual(300);
  expect(lab.lab_full_sync_ms).toBeLessThanOrEqual(lab.lab_iproute2_read_ms / 10);
  expect(lab.lab_member_visible_ms).toBeLessThanOrEqual(1000);
});
