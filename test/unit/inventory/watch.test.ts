/**
 * watchInventory against real processes: the host's own `ip monitor` in a namespace made for
 * the test (root only; skipped otherwise), and stand-in monitors that die or stay silent.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, it } from "vitest";
import { listNamespaces } from "../../../agent/inventory/namespaces.js";
import { watchInventory } from "../../../agent/inventory/watch.js";

const hasIp = await execa("ip", ["-V"]).then(
  () => true,
  () => false,
);
const root = process.getuid?.() === 0;

interface Recorder {
  changes: number[];
  errors: Error[];
  onChange: () => void;
  onError: (error: Error) => void;
}

function recorder(): Recorder {
  const changes: number[] = [];
  const errors: Error[] = [];
  return { changes, errors, onChange: () => changes.push(performance.now()), onError: (e) => errors.push(e) };
}

async function until(condition: () => boolean, timeoutMs: number, step?: () => Promise<unknown>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await (step?.() ?? sleep(10));
  }
}

const hostMonitor = root && hasIp;

// Concurrent: the time here is spent waiting on timers, and no two tests share a namespace or a monitor.
describe.concurrent("watchInventory", () => {
  const netns = `vrfagt-w-${process.pid}`;
  const ip = (args: string[], input?: string) =>
    execa("ip", ["-n", netns, ...args], input === undefined ? {} : { input });
  const monitorsLeft = async () =>
    (await execa("ps", ["-eo", "args"])).stdout.split("\n").filter((line) => line.includes(`-n ${netns} monitor`));
  let dir = "";
  const script = async (name: string, body: string) => {
    const file = join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vrf-agent-watch-"));
    if (hostMonitor) await execa("ip", ["netns", "add", netns]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    if (hostMonitor) await execa("ip", ["netns", "delete", netns], { reject: false });
  });

  // On the host's own ip monitor, in a namespace made for the test (root only).

  it.skipIf(!hostMonitor)("lists the test's namespace among the named ones", async ({ expect }) => {
    expect(await listNamespaces()).toContain(netns);
  });

  it.skipIf(!hostMonitor)(
    "calls onChange within 1 s of a burst of changes, once for the whole burst, and nothing after stop()",
    async ({ expect }) => {
      const r = recorder();
      const watch = watchInventory({
        netns,
        debounceMs: 100,
        resyncMs: 600_000,
        onChange: r.onChange,
        onError: r.onError,
      });
      try {
        // The monitor subscribes some time after it starts; nudge the namespace until it sees something.
        let up = false;
        await until(
          () => r.changes.length > 0,
          10_000,
          async () => {
            up = !up;
            await ip(["link", "set", "lo", up ? "up" : "down"]);
            await sleep(200);
          },
        );
        await sleep(300);
        r.changes.length = 0;

        // Four link events (each end added, each end deleted), eight monitor lines, in one ip process.
        const burst = "link add vrfagt-w0 type veth peer name vrfagt-w1\nlink delete vrfagt-w0\n";
        const started = performance.now();
        await ip(["-batch", "-"], burst);
        await until(() => r.changes.length > 0, 1_000);
        expect((r.changes[0] ?? Number.POSITIVE_INFINITY) - started).toBeLessThan(1_000);
        await sleep(400);
        expect(r.changes).toHaveLength(1);
        expect(r.errors).toEqual([]);
      } finally {
        await watch.stop();
        await ip(["link", "delete", "vrfagt-w0"]).catch(() => undefined);
      }
      expect(await monitorsLeft()).toEqual([]);
      const seen = r.changes.length;
      await ip(["-batch", "-"], "link add vrfagt-w2 type veth peer name vrfagt-w3\nlink delete vrfagt-w2\n");
      await sleep(300);
      expect(r.changes).toHaveLength(seen);
    },
  );

  it.skipIf(!hostMonitor)(
    "reports a monitor that cannot start in a missing namespace, and keeps trying",
    async ({ expect }) => {
      const r = recorder();
      const watch = watchInventory({
        netns: `${netns}-missing`,
        resyncMs: 600_000,
        onChange: r.onChange,
        onError: r.onError,
      });
      try {
        await until(() => r.errors.length >= 2, 3_000);
        expect(r.errors[0]?.message).toMatch(
          new RegExp(
            `^ip -n ${netns}-missing monitor link address route rule exited with code \\d+: Cannot open network namespace`,
          ),
        );
      } finally {
        await watch.stop();
      }
    },
  );

  // Supervision, with stand-in monitors that die or stay silent.

  it("restarts a monitor that dies, reporting each exit, after delays that grow", async ({ expect }) => {
    const dies = await script("dies", "echo 'Deleted 3: eth0'; echo 'netlink gone' >&2; exit 3");
    const r = recorder();
    const errorTimes: number[] = [];
    const watch = watchInventory({
      ip: dies,
      debounceMs: 20,
      onChange: r.onChange,
      onError: (e) => {
        errorTimes.push(performance.now());
        r.onError(e);
      },
    });
    try {
      await until(() => r.errors.length >= 3, 5_000);
    } finally {
      await watch.stop();
    }
    expect(r.errors[0]?.message).toBe(`${dies} monitor link address route rule exited with code 3: netlink gone`);
    const [first = 0, second = 0, third = 0] = errorTimes;
    // 200 ms, then 400 ms: timers never fire early, so these bounds hold however loaded the machine.
    expect(second - first).toBeGreaterThanOrEqual(190);
    expect(third - second).toBeGreaterThanOrEqual(390);
    expect(r.changes.length).toBeGreaterThan(0);
    const reported = r.errors.length;
    await sleep(900);
    expect(r.errors).toHaveLength(reported);
  });

  it("says iproute2's ip is not installed", async ({ expect }) => {
    const r = recorder();
    const watch = watchInventory({ ip: join(dir, "no-such", "ip"), onChange: r.onChange, onError: r.onError });
    try {
      await until(() => r.errors.length > 0, 2_000);
    } finally {
      await watch.stop();
    }
    expect(r.errors[0]?.message).toBe("iproute2's ip is not installed: cannot watch for changes");
  });

  it("resyncs on its timer while the monitor is silent, and stop() ends the monitor", async ({ expect }) => {
    const silent = await script("silent", "exec sleep 60");
    const r = recorder();
    const watch = watchInventory({
      ip: silent,
      debounceMs: 10,
      resyncMs: 150,
      onChange: r.onChange,
      onError: r.onError,
    });
    try {
      await until(() => r.changes.length >= 2, 2_000);
    } finally {
      const stopping = performance.now();
      await watch.stop();
      expect(performance.now() - stopping).toBeLessThan(2_000);
    }
    expect(r.errors).toEqual([]);
  });

  it("reports an onChange that throws and goes on", async ({ expect }) => {
    const silent = await script("silent-too", "exec sleep 60");
    const errors: Error[] = [];
    let calls = 0;
    const watch = watchInventory({
      ip: silent,
      debounceMs: 10,
      resyncMs: 100,
      onChange: () => {
        calls += 1;
        throw new Error(`reconcile ${calls} failed`);
      },
      onError: (e) => errors.push(e),
    });
    try {
      await until(() => calls >= 2, 2_000);
    } finally {
      await watch.stop();
    }
    expect(errors.map((e) => e.message).slice(0, 2)).toEqual(["reconcile 1 failed", "reconcile 2 failed"]);
  });
});
