/**
 * Sends a known number of UDP datagrams and prints how many the kernel accepted, as JSON.
 * Runs inside a peer namespace of the lab guest:
 *   udp-burst.js <address> <port> <count> <size> [<interval ms>]
 * A count of 0 sends until killed (steady background traffic).
 */
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const [address = "", port = "9", count = "1", size = "64", interval = "0"] = process.argv.slice(2);
const socket = createSocket(isIPv6(address) ? "udp6" : "udp4");
const payload = Buffer.alloc(Number(size));
const total = Number(count) === 0 ? Number.POSITIVE_INFINITY : Number(count);
let sent = 0;
let failed = 0;
for (let i = 0; i < total; i++) {
  // One at a time, unconnected: the count printed is exactly what left the socket, and ICMP
  // errors coming back (unreachable tests expect them) do not fail later sends.
  const error = await new Promise<Error | null>((done) => socket.send(payload, Number(port), address, done));
  if (error) failed++;
  else sent++;
  if (Number(interval) > 0) await sleep(Number(interval));
}
socket.close();
process.stdout.write(`${JSON.stringify({ sent, failed })}\n`);
