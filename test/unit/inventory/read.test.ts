import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InventoryError } from "../../../agent/inventory/errors.js";
import { listNamespaces } from "../../../agent/inventory/namespaces.js";
import { readInventory } from "../../../agent/inventory/read.js";
import { execaRunner, type Runner } from "../../../agent/inventory/run.js";
import { parseRtTables, readTableNames } from "../../../agent/inventory/table-names.js";
import { build, type JsonObject, labFixture, seedRaw } from "./fixtures.js";

const sysctlFiles = ["tcp", "udp", "raw"].map((p) => `/proc/sys/net/ipv4/${p}_l3mdev_accept`);

/** What each command prints in the lab, keyed by its arguments after `ip [-n NS] -j`. */
const labOutput: Record<string, string> = {
  "-d link show": "links.json",
  "address show": "addresses.json",
  "-4 route show table all": "routes-ipv4.json",
  "-6 route show table all": "routes-ipv6.json",
  "-4 rule show": "rules-ipv4.json",
  "-6 rule show": "rules-ipv6.json",
};

/** A runner answering from the fixtures; `gate` holds every answer back until the test opens it. */
function labRunner(gate: Promise<void> = Promise.resolve()) {
  const calls: string[] = [];
  const run: Runner = async (file, args) => {
    calls.push([file, ...args].join(" "));
    await gate;
    if (file === "cat" || args.includes("cat")) return "0\n0\n1\n";
    const command = args.slice(args.indexOf("-j") + 1).join(" ");
    const fixture = labOutput[command];
    if (file !== "ip" || fixture === undefined) throw new Error(`unexpected command ${file} ${args.join(" ")}`);
    return JSON.stringify(labFixture(fixture));
  };
  return { run, calls };
}

describe("readInventory", () => {
  it("runs the six ip commands and the sysctl read at once, and builds the seed inventory", async () => {
    let open = () => {};
    const { run, calls } = labRunner(new Promise<void>((resolve) => (open = resolve)));
    const reading = readInventory({ run });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.sort()).toEqual(
      [
        "ip -j -d link show",
        "ip -j address show",
        "ip -j -4 route show table all",
        "ip -j -6 route show table all",
        "ip -j -4 rule show",
        "ip -j -6 rule show",
        `cat ${sysctlFiles.join(" ")}`,
      ].sort(),
    );
    open();
    const inventory = await reading;
    const expected = build(seedRaw());
    expect({ ...inventory, readAt: 0 }).toEqual(expected);
    expect(inventory.readAt).toBeGreaterThan(0);
  });

  it("reads a named namespace with -n and its sysctls from inside it", async () => {
    const { run, calls } = labRunner();
    const inventory = await readInventory({ netns: "tenant-a", run });
    expect(inventory.netns).toBe("tenant-a");
    expect(calls).toContain("ip -n tenant-a -j -4 route show table all");
    expect(calls).toContain(`ip netns exec tenant-a cat ${sysctlFiles.join(" ")}`);
    expect(calls.filter((c) => c.startsWith("ip -j"))).toEqual([]);
  });

  it("rejects output that is not JSON, naming the command", async () => {
    const { run } = labRunner();
    const garbled: Runner = (file, args) =>
      args.includes("rule") && args.includes("-6") ? Promise.resolve('Object "rule" is unknown') : run(file, args);
    await expect(readInventory({ netns: "ns1", run: garbled })).rejects.toThrow(
      /^`ip -n ns1 -j -6 rule show` did not print JSON/,
    );
  });

  it("rejects a JSON object where ip prints an array", async () => {
    const { run } = labRunner();
    const wrong: Runner = (file, args) =>
      args.includes("address") ? Promise.resolve('{"ifname":"eth0"}') : run(file, args);
    await expect(readInventory({ run: wrong })).rejects.toThrow(
      "unexpected shape of `ip -j address show` output: the top level: Invalid input: expected array, received object",
    );
  });

  it("says iproute2's ip is not installed when it is not", async () => {
    const missing: Runner = (file, args) => execaRunner(`/nonexistent/vrf-agent/${file}`, args);
    const reading = readInventory({ run: missing });
    await expect(reading).rejects.toThrow(InventoryError);
    await expect(reading).rejects.toThrow(/^iproute2's ip is not installed \(running \/nonexistent\/vrf-agent\/ip -j /);
  });

  it("turns a failing command into an error with its stderr", async () => {
    await expect(execaRunner("sh", ["-c", "echo 'Cannot open network namespace' >&2; exit 1"])).rejects.toThrow(
      "sh -c echo 'Cannot open network namespace' >&2; exit 1 failed: Cannot open network namespace",
    );
  });
});

describe("listNamespaces", () => {
  it.each<[string, string, string[]]>([
    ["nothing printed: no namespaces", "", []],
    ["names with and without an nsid", '[{"name":"peer-eth1","id":1},{"name":"tenant-a"}]', ["peer-eth1", "tenant-a"]],
  ])("%s", async (_name, stdout, names) => {
    const calls: string[][] = [];
    const run: Runner = async (file, args) => {
      calls.push([file, ...args]);
      return stdout;
    };
    expect(await listNamespaces(run)).toEqual(names);
    expect(calls).toEqual([["ip", "-j", "netns", "list"]]);
  });

  it("rejects output of the wrong shape", async () => {
    await expect(listNamespaces(async () => '["peer-eth1"]')).rejects.toThrow(
      /^unexpected shape of `ip -j netns list` output: \[0\]: /,
    );
  });
});

describe("routing table names", () => {
  it("parses rt_tables: decimal and hex ids, comments and blank lines", () => {
    const text = "#\n# reserved values\n255\tlocal\n254 main\n\n0x0a red # tenant\n66 blue\nbad line\n";
    expect(Object.fromEntries(parseRtTables(text))).toEqual({ local: 255, main: 254, red: 10, blue: 66 });
  });

  it("reads rt_tables and its .d drop-ins, later folders winning", async () => {
    const base = await mkdtemp(join(tmpdir(), "vrf-agent-rt-"));
    try {
      const [usr, etc] = [join(base, "usr"), join(base, "etc")];
      for (const dir of [usr, etc]) await mkdir(join(dir, "rt_tables.d"), { recursive: true });
      await writeFile(join(usr, "rt_tables"), "10 red\n");
      await writeFile(join(etc, "rt_tables"), "11 red\n");
      await writeFile(join(etc, "rt_tables.d", "tenants.conf"), "66 blue\n");
      await writeFile(join(etc, "rt_tables.d", "ignored.txt"), "81 green\n");
      const names = await readTableNames([usr, etc, join(base, "missing")]);
      expect([names.get("red"), names.get("blue"), names.get("green"), names.get("main")]).toEqual([
        11,
        66,
        undefined,
        254,
      ]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it("counts a VRF's routes when ip prints its table by an rt_tables name", () => {
    const raw = seedRaw();
    for (const family of ["ipv4", "ipv6"] as const) {
      raw.routes[family] = (raw.routes[family] as JsonObject[]).map((route) =>
        route.table === "10" ? { ...route, table: "red-table" } : route,
      );
    }
    const named = build({ ...raw, tableNames: new Map([["red-table", 10]]) });
    expect(named.vrfs.find((v) => v.name === "red")).toEqual(build(seedRaw()).vrfs.find((v) => v.name === "red"));
    const unnamed = build(raw);
    expect(unnamed.problems.map((p) => `${p.vrf} ${p.check}`)).toContain("red no_unreachable_default_ipv4");
  });
});
