/**
 * Sends a known number of UDP datagrams and prints how many the kernel accepted, as JSON.
 * Runs inside a peer namespace of the lab guest: `udp-burst.js <address> <port> <count> <size>`.
 */
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";

const [address = "", port = "9", count = "1", size = "64"] = process.argv.slice(2);
const socket = createSocket(isIPv6(address) ? "udp6" : "udp4");
const payload = Buffer.alloc(Number(size));
let sent = 0;
let failed = 0;
for (let i = 0; i < Number(count); i++) {
  // One at a time: the count printed is exactly what left the socket.
  const error = await new Promise<Error | null>((done) => socket.send(payload, Number(port), address, done));
  if (error) failed++;
  else sent++;
}
socket.close();
process.stdout.write(`${JSON.stringify({ sent, failed })}\n`);
