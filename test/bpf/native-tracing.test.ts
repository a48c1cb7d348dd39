/**
 * BpfProgram.attachTracing on this host's kernel: the fixture's tp_btf/kfree_skb program sees
 * the kernel free a datagram sent to a closed UDP port, and stops seeing anything once detached.
 */
import { createSocket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fixtureLoader, linkIds, u32 } from "../support/native-fixture.js";

/** A port nothing listens on: bound once by us to get it, then released. */
async function closedUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** Each datagram to a closed port ends in kfree_skb (reason NO_SOCKET) after the ICMP error. */
async function sendToClosedPort(count: number): Promise<void> {
  const port = await closedUdpPort();
  const socket = createSocket("udp4");
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) =>
        socket.send(Buffer.from("x"), port, "127.0.0.1", (error) => (error ? reject(error) : resolve())),
      );
    }
  } finally {
    socket.close();
  }
}

describe("tracing attachment", () => {
  const { load, closeAll } = fixtureLoader();
  afterEach(closeAll);

  it("counts kfree_skb while attached and nothing after close", async () => {
    const object = load();
    const frees = object.map("frees");
    const count = () => frees.sumU64(u32(0))?.[0] ?? 0n;
    const link = object.program("count_frees").attachTracing();
    expect(link.kind).toBe("tracing");
    expect(await linkIds()).toContain(link.id);
    await sendToClosedPort(5);
    await expect.poll(count).toBeGreaterThanOrEqual(5n);
    link.close();
    link.close();
    expect(await linkIds()).not.toContain(link.id);
    const detached = count();
    await sendToClosedPort(5);
    expect(count()).toBe(detached);
  });

  it("stays attached through a pin after close, until the pin goes", async () => {
    const dir = await mkdtemp("/sys/fs/bpf/vrf-agent-native-");
    try {
      const link = load().program("count_frees").attachTracing();
      link.pin(join(dir, "link"));
      link.close();
      expect(await linkIds()).toContain(link.id);
      await rm(join(dir, "link"));
      await expect.poll(linkIds, { timeout: 2000, interval: 50 }).not.toContain(link.id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
