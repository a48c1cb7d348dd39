import { describe, expect, it } from "vitest";
import { type Listener, listenOptions, systemdListeners } from "../../../agent/http/listeners.js";
import { get, serversStoppedAfterEach, startServer } from "./client.js";

const running = serversStoppedAfterEach();

describe("listeners", () => {
  it("turns an address into host and port, and an inherited socket into its fd", () => {
    expect(listenOptions({ kind: "address", address: { port: 9852 } })).toEqual({ port: 9852 });
    expect(listenOptions({ kind: "address", address: { host: "::1", port: 1 } })).toEqual({ host: "::1", port: 1 });
    expect(listenOptions({ kind: "fd", fd: 3, name: "web" })).toEqual({ fd: 3 });
  });

  it("takes systemd's sockets from fd 3 on, named by LISTEN_FDNAMES, and removes the variables", () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: "42", LISTEN_FDS: "2", LISTEN_FDNAMES: "web:", OTHER: "x" };
    expect(systemdListeners(env, 42)).toEqual([
      { kind: "fd", fd: 3, name: "web" },
      { kind: "fd", fd: 4, name: "fd 4" },
    ]);
    expect(env).toEqual({ OTHER: "x" });
  });

  it.each<[NodeJS.ProcessEnv, RegExp]>([
    [{}, /no socket activation file descriptors found/],
    [{ LISTEN_PID: "42", LISTEN_FDS: "0" }, /no socket activation file descriptors found/],
    [{ LISTEN_PID: "41", LISTEN_FDS: "1" }, /the sockets are for process 41, not this one \(42\)/],
  ])("refuses %j", (env, message) => {
    expect(() => systemdListeners(env, 42)).toThrow(message);
  });

  // An inherited socket (kind fd) is served by the agent in test/bpf/agent-exporter-flags.test.ts:
  // in one process, a second handle on a listening fd fails with EEXIST.
  it("serves on every listener given", async () => {
    const listeners: Listener[] = [
      { kind: "address", address: { host: "127.0.0.1", port: 0 } },
      { kind: "address", address: { host: "127.0.0.1", port: 0 } },
    ];
    const { server, logs } = await startServer({ listeners });
    running.push(server);
    const ports = server.addresses().map((address) => address.port);
    expect(new Set(ports).size).toBe(2);
    for (const port of ports) {
      expect(await get(server, "/metrics", { port })).toMatchObject({ status: 200, body: "up 1\n" });
      expect(logs.join("")).toContain(`msg=listening address=127.0.0.1:${port}`);
    }
  });

  it("stops listening on the first when the second cannot listen", async () => {
    const { server: taken } = await startServer();
    running.push(taken);
    const { port } = taken.address();
    const error = await startServer({
      listeners: [
        { kind: "address", address: { host: "127.0.0.1", port: 0 } },
        { kind: "address", address: { host: "127.0.0.1", port } },
      ],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).toContain(`cannot listen on 127.0.0.1:${port}: address in use`);
  });
});
