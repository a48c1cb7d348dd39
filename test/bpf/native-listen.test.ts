/**
 * The addon's listening socket bound to one device, on this host's kernel: a connection that
 * arrives through that device is served, one through any other (loopback included) is refused.
 * A VRF device works the same way for what is routed through the VRF (proven in the lab).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadNative } from "../../agent/native.js";
import { type VethPair, vethPair } from "../support/veth.js";

const addon = loadNative();

// Id 84 is this file's (see vethPair).
describe("a listening socket bound to a device", () => {
  let veth: VethPair;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    veth = await vethPair(84);
    server = createServer((_request, response) => response.end("served\n"));
    const fd = addon.listenOnDevice("", 0, veth.name);
    await new Promise<void>((resolve) => server.listen({ fd }, resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await veth?.remove();
  });

  it("serves a connection that comes in through the device", async () => {
    const url = `http://${veth.address}:${port}/`;
    expect(await veth.inPeer(["curl", "-sS", "--max-time", "5", url])).toBe("served");
  });

  // A local connection to the device's own address counts as that device's (the kernel takes the
  // incoming interface from the route, rt_iif), so loopback's own address is the one to refuse.
  it("refuses one through another device", async () => {
    const result = await execa("curl", ["-sS", "--max-time", "5", `http://127.0.0.1:${port}/`], { reject: false });
    expect(result.stderr).toMatch(/Connection refused|Couldn't connect/);
  });

  it("names the step and the device that failed", () => {
    expect(() => addon.listenOnDevice("", 0, "no-such-dev")).toThrow(
      /^listen on device: SO_BINDTODEVICE: No such device \(no-such-dev\)$/,
    );
    expect(() => addon.listenOnDevice("router.example", 0, "lo")).toThrow(/is not an IP address/);
  });
});
