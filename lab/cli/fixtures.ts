/**
 * `npm run lab:fixtures`: captures real `ip -j` output from the lab's seed topology into
 * test/fixtures/lab/, for the inventory parsers' table-driven tests. Re-run after a change to
 * the topology or the lab kernel, and commit the result.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Lab } from "../lab.js";
import { projectRoot } from "../paths.js";
import { applyTopology, removeUnreachableDefault } from "../scenarios.js";
import { progress, runCli } from "./run.js";

const fixtures = join(projectRoot, "test", "fixtures", "lab");

/** File name -> `ip` arguments (after `ip -j`). */
const captures: Record<string, string[]> = {
  "vrfs.json": ["-d", "link", "show", "type", "vrf"],
  "links.json": ["-d", "link", "show"],
  "links-stats.json": ["-s", "link", "show"],
  "addresses.json": ["address", "show"],
  "routes-ipv4.json": ["-4", "route", "show", "table", "all"],
  "routes-ipv6.json": ["-6", "route", "show", "table", "all"],
  "rules-ipv4.json": ["-4", "rule", "show"],
  "rules-ipv6.json": ["-6", "rule", "show"],
};

runCli(async () => {
  const say = progress();
  const lab = await Lab.boot({ onProgress: say });
  try {
    await applyTopology(lab);
    await rm(fixtures, { recursive: true, force: true });
    await mkdir(fixtures, { recursive: true });
    const save = (name: string, value: unknown) =>
      writeFile(join(fixtures, name), `${JSON.stringify(value, null, 2)}\n`);
    for (const [name, args] of Object.entries(captures)) await save(name, await lab.ipJson(args));

    const sysctls: Record<string, number> = {};
    for (const name of ["tcp_l3mdev_accept", "udp_l3mdev_accept", "raw_l3mdev_accept"]) {
      sysctls[name] = Number(await lab.run(["cat", `/proc/sys/net/ipv4/${name}`]));
    }
    await save("sysctl-l3mdev.json", sysctls);

    // The misconfiguration the audit must flag: green without its IPv4 unreachable default.
    await removeUnreachableDefault(lab, { vrf: "green", family: "ipv4" });
    await save("routes-ipv4-green-no-unreachable-default.json", await lab.ipJson(captures["routes-ipv4.json"] ?? []));

    const iproute2 = (await lab.run(["ip", "-V"])).trim();
    await save("capture.json", { kernel: lab.kernelRelease, iproute2, topology: "seed (lab/topology.ts)" });
    say(`captured ${Object.keys(captures).length + 3} files into ${fixtures}`);
  } finally {
    await lab.shutdown();
  }
});
