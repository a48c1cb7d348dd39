import { describe, expect, it } from "vitest";
import { parsePing } from "../../../lab/scenarios.js";
import {
  flushBatch,
  mainBatch,
  members,
  peerBatch,
  seedTopology,
  teardownBatch,
  unreachableDefaultMetric,
} from "../../../lab/topology.js";

describe("the seed topology", () => {
  it("is the seed example: VRFs, tables, members and addresses", () => {
    const summary = members(seedTopology).map(({ vrf, member }) => [
      vrf.name,
      vrf.table,
      member.name,
      member.addresses?.ipv4,
      member.addresses?.ipv6,
    ]);
    expect(summary).toEqual([
      ["mgmt", 1, "eth0", "10.0.0.2/24", "2000:1::2/120"],
      ["red", 10, "eth1", "10.2.1.2/24", "2002:1::2/120"],
      ["red", 10, "eth2", "10.2.2.2/24", "2002:2::2/120"],
      ["red", 10, "eth5", undefined, undefined],
      ["blue", 66, "eth3", "10.2.3.2/24", "2002:3::2/120"],
      ["green", 81, "eth4", "10.2.4.2/24", "2002:4::2/120"],
    ]);
  });

  const batch = mainBatch(seedTopology).split("\n");

  it("gives every table but mgmt's an unreachable default in both families", () => {
    const defaults = batch.filter((line) => line.includes("unreachable"));
    expect(defaults).toEqual(
      ["red", "blue", "green"].flatMap((vrf) => [
        `route add vrf ${vrf} unreachable 0.0.0.0/0 metric ${unreachableDefaultMetric}`,
        `route add vrf ${vrf} unreachable ::/0 metric ${unreachableDefaultMetric}`,
      ]),
    );
  });

  it("enslaves each member before addressing it, and leaves eth5 down", () => {
    for (const { member } of members(seedTopology)) {
      const enslaved = batch.findIndex((line) => line.startsWith(`link set ${member.name} master`));
      const addressed = batch.findIndex((line) => line.endsWith(`dev ${member.name}`));
      expect(enslaved).toBeGreaterThan(-1);
      if (member.addresses) expect(addressed).toBeGreaterThan(enslaved);
    }
    expect(batch).not.toContain("link set eth5 up");
  });

  it("routes each peer's traffic into its member, and the down member's peer nowhere", () => {
    const [, eth3] = members(seedTopology).filter(({ vrf }) => vrf.name === "blue" || vrf.name === "mgmt");
    const lines = peerBatch(eth3?.member ?? { name: "missing" }).split("\n");
    expect(lines).toEqual(expect.arrayContaining(["route add 0.0.0.0/0 via 10.2.3.2", "route add ::/0 via 2002:3::2"]));
    const eth5 = members(seedTopology).find(({ member }) => member.name === "eth5");
    expect(peerBatch(eth5?.member ?? { name: "missing" })).not.toContain("route");
  });

  it("tears down every link and empties every table, which VRF deletion alone does not", () => {
    const teardown = teardownBatch(seedTopology);
    for (const name of ["mgmt", "red", "blue", "green", "eth0", "eth5"])
      expect(teardown).toContain(`link delete ${name}\n`);
    expect(flushBatch(seedTopology).trim().split("\n")).toEqual([1, 10, 66, 81].map((t) => `route flush table ${t}`));
  });
});

describe("ping summaries", () => {
  it("reads iputils' summary for both families", () => {
    const v4 = "--- 10.2.1.2 ping statistics ---\n5 packets transmitted, 4 received, 20% packet loss, time 813ms\n";
    const v6 = "--- 2002:3::2 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 402ms\n";
    expect(parsePing(v4)).toEqual({ transmitted: 5, received: 4 });
    expect(parsePing(v6)).toEqual({ transmitted: 3, received: 3 });
  });

  it("refuses output with no summary", () => {
    expect(() => parsePing("connect: Network is unreachable\n")).toThrow(/no ping summary/);
  });
});
