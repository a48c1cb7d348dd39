/** Ethernet frames for BPF_PROG_TEST_RUN, built field by field so each test says what it sends. */

const mac = (last: number) => [0x02, 0, 0, 0, 0, last];

/** An Ethernet + IPv4 + UDP frame with `payload` bytes of zeros; checksums are not checked by tc. */
export function udp4Frame(payload = 64): Buffer {
  const ipLength = 20 + 8 + payload;
  const frame = Buffer.alloc(14 + ipLength);
  Buffer.from([...mac(1), ...mac(2), 0x08, 0x00]).copy(frame, 0);
  frame.writeUInt8(0x45, 14); // version 4, 20-byte header
  frame.writeUInt16BE(ipLength, 16);
  frame.writeUInt8(64, 22); // TTL
  frame.writeUInt8(17, 23); // UDP
  Buffer.from([10, 2, 1, 1, 10, 2, 3, 1]).copy(frame, 26);
  frame.writeUInt16BE(40000, 34);
  frame.writeUInt16BE(9, 36);
  frame.writeUInt16BE(8 + payload, 38);
  return frame;
}
