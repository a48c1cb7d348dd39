import { describe, expect, it } from "vitest";
import { delta, parseSnmp } from "../../../lab/counters.js";

// Excerpts of the files as the 6.1 lab kernel prints them.
const snmp = `Icmp: InMsgs InErrors InCsumErrors InDestUnreachs
Icmp: 4 0 0 3
Udp: InDatagrams NoPorts InErrors OutDatagrams
Udp: 7 50 0 12
`;
const snmp6 = `Ip6InReceives                   	12
Udp6NoPorts                     	20
`;

describe("kernel SNMP counters", () => {
  it("reads both the paired-line and the name-value formats", () => {
    const counters = parseSnmp(snmp + snmp6);
    expect(counters.get("UdpNoPorts")).toBe(50);
    expect(counters.get("IcmpInDestUnreachs")).toBe(3);
    expect(counters.get("Udp6NoPorts")).toBe(20);
    expect(counters.get("Ip6InReceives")).toBe(12);
  });

  it("reports what changed between two readings", () => {
    const changed = delta(parseSnmp(snmp), parseSnmp(snmp.replace("7 50 0 12", "9 61 0 12")));
    expect(changed.get("UdpNoPorts")).toBe(11);
    expect(changed.get("UdpOutDatagrams")).toBe(0);
  });
});
