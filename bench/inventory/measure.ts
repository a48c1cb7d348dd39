/** What the inventory benchmark reads of a process and a scrape, on the host or in the guest. */
import { parseExposition, total } from "../../agent/exposition.js";

/** Nanoseconds on CPU of every thread of a process, from `cat /proc/PID/task/* /schedstat` output. */
export const cpuNs = (schedstat: string) =>
  schedstat
    .trim()
    .split("\n")
    .reduce((sum, line) => sum + Number(line.split(" ")[0] ?? 0), 0);

export const schedstatCommand = (pid: number) => ["sh", "-c", `cat /proc/${pid}/task/*/schedstat`];

/** The same for the inventory's own threads alone (named vrf-inventory by the addon). */
export const inventoryThreadsCommand = (pid: number) => [
  "sh",
  "-c",
  `for t in /proc/${pid}/task/*; do [ "$(cat $t/comm)" = vrf-inventory ] && cat $t/schedstat; done; true`,
];

/** VmRSS in MB from /proc/PID/status. */
export const rssMb = (status: string) => Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;

/** The agent's last full dump of its own namespace, in ms. */
export const fullSyncMs = (exposition: string) =>
  total(parseExposition(exposition), "vrf_agent_inventory_refresh_duration_seconds", { netns: "" }) * 1000;

/** Notifications the agent's inventory of its own namespace has read. */
export const notificationsRead = (exposition: string) =>
  total(parseExposition(exposition), "vrf_agent_inventory_notifications_total", { netns: "" });

/** The read of the agent before this change: iproute2's six JSON dumps at once, as it ran them. */
export const iproute2ReadScript = (netns = "") => {
  const ip = netns === "" ? "ip" : `ip -n ${netns}`;
  const reads = [
    "-j -d link show",
    "-j address show",
    "-j -4 route show table all",
    "-j -6 route show table all",
    "-j -4 rule show",
    "-j -6 rule show",
  ];
  return `s=$(date +%s%N); ${reads.map((r) => `${ip} ${r} >/dev/null &`).join(" ")} wait; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))`;
};

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
