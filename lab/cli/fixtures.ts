/**
 * `npm run lab:fixtures`: captures the agent's inventory of the lab's seed topology (`vrf-agent
 * inventory`), beside real `ip -j` output of the same moment, into test/fixtures/lab/: the
 * audit's and the metrics' table-driven tests start from the first, and a unit test holds it
 * against the second. Re-run after a change to the topology or the lab kernel, and commit the result.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Inventory } from "../../agent/inventory/types.js";
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
    await mkdir(fixtures, { recursive: true });
    // Every capture starts over; the folder's README stays.
    for (const name of await readdir(fixtures)) if (name.endsWith(".json")) await rm(join(fixtures, name));
    const save = (name: string, value: unknown) =>
      writeFile(join(fixtures, name), `${JSON.stringify(value, null, 2)}\n`);
    const inventory = async (): Promise<string> =>
      lab.run([process.execPath, `${projectRoot}/dist/agent/cli.js`, "inventory"]);
    // Both views of one moment: the guest is still settling (IPv6 link-local addresses come after
    // DAD), so the capture is taken again until the inventory before and after it agree.
    const stable = async (capture: () => Promise<void>): Promise<string> => {
      for (let attempt = 1; ; attempt++) {
        const before = await inventory();
        await capture();
        const after = await inventory();
        if (before === after) return after;
        if (attempt === 10) throw new Error("the guest did not settle for a capture");
        await sleep(1_000);
      }
    };
    const inventoryJson = await stable(async () => {
      for (const [name, args] of Object.entries(captures)) await save(name, await lab.ipJson(args));
    });
    await save("inventory.json", JSON.parse(inventoryJson) as Omit<Inventory, "readAt">);

    const sysctls: Record<string, number> = {};
    for (const name of ["tcp_l3mdev_accept", "udp_l3mdev_accept", "raw_l3mdev_accept"]) {
      sysctls[name] = Number(await lab.run(["cat", `/proc/sys/net/ipv4/${name}`]));
    }
    await save("sysctl-l3mdev.json", sysctls);

    // The misconfiguration the audit must flag: green without its IPv4 unreachable default.
    await removeUnreachableDefault(lab, { vrf: "green", family: "ipv4" });
    const greenJson = await stable(async () =>
      save("routes-ipv4-green-no-unreachable-default.json", await lab.ipJson(captures["routes-ipv4.json"] ?? [])),
    );
    await save("inventory-green-no-unreachable-default.json", JSON.parse(greenJson) as Omit<Inventory, "readAt">);

    const iproute2 = (await lab.run(["ip", "-V"])).trim();
    await save("capture.json", { kernel: lab.kernelRelease, iproute2, topology: "seed (lab/topology.ts)" });
    say(`captured ${Object.keys(captures).length + 5} files into ${fixtures}`);
  } finally {
    await lab.shutdown();
  }
});
