/** Ethernet frames for BPF_PROG_TEST_RUN, built field by field so each test says what it sends. */

const mac = (last: number) => [0x02, 0, 0, 0, 0, last];
const ethernet = (etherType: number) => [...mac(1), ...mac(2), etherType >> 8, etherType & 0xff];

/** IPv4 + UDP with `payload` bytes of zeros; tc does not check checksums. */
function udp4(payload: number): Buffer {
  const ip = Buffer.alloc(20 + 8 + payload);
  ip.writeUInt8(0x45, 0); // version 4, 20-byte header
  ip.writeUInt16BE(ip.length, 2);
  ip.writeUInt8(64, 8); // TTL
  ip.writeUInt8(17, 9); // UDP
  Buffer.from([10, 2, 1, 1, 10, 2, 3, 1]).copy(ip, 12);
  ip.writeUInt16BE(40000, 20);
  ip.writeUInt16BE(9, 22);
  ip.writeUInt16BE(8 + payload, 24);
  return ip;
}

export const udp4Frame = (payload = 64) => Buffer.concat([Buffer.from(ethernet(0x0800)), udp4(payload)]);

export function udp6Frame(payload = 64): Buffer {
  const ip = Buffer.alloc(40 + 8 + payload);
  ip.writeUInt32BE(0x60000000, 0); // version 6
  ip.writeUInt16BE(8 + payload, 4);
  ip.writeUInt8(17, 6); // next header: UDP
  ip.writeUInt8(64, 7); // hop limit
  ip.writeUInt16BE(0x2002, 8); // 2002:1::1 -> 2002:3::1
  ip.writeUInt16BE(0x0001, 10);
  ip.writeUInt8(1, 23);
  ip.writeUInt16BE(0x2002, 24);
  ip.writeUInt16BE(0x0003, 26);
  ip.writeUInt8(1, 39);
  ip.writeUInt16BE(40000, 40);
  ip.writeUInt16BE(9, 42);
  ip.writeUInt16BE(8 + payload, 44);
  return Buffer.concat([Buffer.from(ethernet(0x86dd)), ip]);
}

/** An ARP request: neither IP family. */
export const arpFrame = () => Buffer.concat([Buffer.from(ethernet(0x0806)), Buffer.alloc(28, 1)]);

/** An 802.1Q-tagged IPv4 frame, as a NIC that does not strip tags delivers it. */
export const vlanUdp4Frame = (payload = 64) =>
  Buffer.concat([Buffer.from([...ethernet(0x8100), 0x00, 0x64, 0x08, 0x00]), udp4(payload)]);

/** A tag whose encapsulated EtherType is cut off: the frame ends inside the VLAN header. */
export const truncatedVlanFrame = () => Buffer.from([...ethernet(0x8100), 0x00]);

/** Bytes that claim no EtherType the kernel knows. */
export const garbageFrame = () =>
  Buffer.concat([Buffer.from(ethernet(0xfffe)), Buffer.from(Array.from({ length: 50 }, (_, i) => (i * 37) & 0xff))]);
