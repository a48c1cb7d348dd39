/**
 * `npm run bench:datapath`: ns per packet of each tc path through BPF_PROG_TEST_RUN on this
 * host's kernel (JIT on), side by side with the empty tc program in the same run. Each figure
 * is the median of 5 rounds of 1e6 repetitions; the kernel measures the time per repetition.
 * Asserted: the member paths cost at most the empty program + 10 ns.
 */
import { release } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadNative } from "../agent/native.js";
import { objectsDir, testDatapath } from "../test/support/datapath.js";
import { udp4Frame, udp6Frame } from "../test/support/frames.js";
import { skbContext } from "../test/support/skb.js";

const repeat = 1_000_000;
const rounds = 5;
const budgetNs = 10;
const lo = 1;
const otherVrfDevice = 77;

let dp: ReturnType<typeof testDatapath>;
const baseline = new (loadNative().BpfObject)(join(objectsDir, "baseline.bpf.o"));
beforeAll(() => {
  baseline.load();
  dp = testDatapath();
  dp.datapath.setPort(lo, { vrf: 1, iface: 1, master: false });
  dp.datapath.setPort(otherVrfDevice, { vrf: 2, iface: 2, master: true });
});
afterAll(async () => {
  baseline.close();
  await dp.remove();
});

interface Case {
  name: string;
  program: () => ReturnType<typeof baseline.program>;
  data: Buffer;
  ingressIfindex?: number;
  budgeted: boolean;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

function measure(c: Case): number {
  const ctx = skbContext({ ifindex: lo, ingressIfindex: c.ingressIfindex ?? 0 });
  // A first run pays for cold caches and branch predictors; it is not what a packet costs.
  c.program().testRun({ data: c.data, ctx, repeat: repeat / 10 });
  return median(Array.from({ length: rounds }, () => c.program().testRun({ data: c.data, ctx, repeat }).durationNs));
}

it("prints ns per packet for each path and holds the member paths to the budget", () => {
  const traffic = (name: string) => () => dp.datapath.program("traffic", name);
  const cases: Case[] = [
    {
      name: "empty program (floor), IPv4",
      program: () => baseline.program("baseline"),
      data: udp4Frame(),
      budgeted: false,
    },
    { name: "member ingress, IPv4", program: traffic("vrf_ingress"), data: udp4Frame(), budgeted: true },
    { name: "member ingress, IPv6", program: traffic("vrf_ingress"), data: udp6Frame(), budgeted: true },
    { name: "member egress, local, IPv4", program: traffic("vrf_egress"), data: udp4Frame(), budgeted: true },
    {
      name: "member egress, same VRF, IPv6",
      program: traffic("vrf_egress"),
      data: udp6Frame(),
      ingressIfindex: lo,
      budgeted: true,
    },
    {
      name: "member egress, leak, IPv4",
      program: traffic("vrf_egress"),
      data: udp4Frame(),
      ingressIfindex: otherVrfDevice,
      budgeted: false,
    },
  ];
  const floor = measure(cases[0] as Case);
  const rows = cases.map((c) => ({ c, ns: c === cases[0] ? floor : measure(c) }));
  console.log(
    `\nBPF_PROG_TEST_RUN, ${rounds} rounds x ${repeat} repetitions, median ns per packet (kernel ${release()})`,
  );
  console.log(`${"path".padEnd(34)} ${"ns".padStart(6)} ${"- floor".padStart(8)} ${"ratio".padStart(6)}`);
  for (const { c, ns } of rows) {
    console.log(
      `${c.name.padEnd(34)} ${String(ns).padStart(6)} ${String(ns - floor).padStart(8)} ${(ns / floor).toFixed(2).padStart(6)}`,
    );
  }
  for (const { c, ns } of rows.filter((r) => r.c.budgeted)) expect(ns - floor, c.name).toBeLessThanOrEqual(budgetNs);
});
