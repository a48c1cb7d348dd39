import { describe, expect, it } from "vitest";
import { type GuestSpec, qemuArgs } from "../../../lab/qemu.js";

const spec: GuestSpec = {
  accel: "tcg",
  vmlinuz: "/cache/vmlinuz",
  initramfs: "/cache/initramfs.cpio",
  memoryMiB: 2048,
  cpus: 2,
  hostRoot: "/",
  outDir: "/project/.cache/lab/runs/run-1/out",
  consoleLog: "/project/.cache/lab/runs/run-1/console.log",
  controlSocket: "/tmp/vrf-lab-1/ctl.sock",
  forwards: [{ host: 40000, guest: 9999 }],
  kernelArgs: ["lab.root=/project"],
};

/** The value after each occurrence of a flag. */
const values = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ""] : []));

describe("the lab's qemu command line", () => {
  const args = qemuArgs(spec);

  it("shares the host root read-only and only the run's output folder writable", () => {
    const shares = values(args, "-fsdev");
    expect(shares).toHaveLength(2);
    expect(shares.find((s) => s.includes("id=hostroot"))).toMatch(/path=\/,.*readonly=on/);
    const writable = shares.filter((s) => !s.includes("readonly=on"));
    expect(writable).toEqual([expect.stringContaining(`path=${spec.outDir},`)]);
  });

  it("isolates the guest network and forwards ports on loopback only", () => {
    const [netdev] = values(args, "-netdev");
    expect(netdev).toContain("restrict=on");
    expect(netdev).toContain("hostfwd=tcp:127.0.0.1:40000-:9999");
    expect(netdev?.match(/hostfwd=/g)).toHaveLength(1);
  });

  it("boots the cached kernel with stage 1's arguments on the serial console", () => {
    expect(values(args, "-kernel")).toEqual([spec.vmlinuz]);
    expect(values(args, "-append")[0]).toMatch(/^console=ttyS0 .*lab\.root=\/project$/);
    expect(values(args, "-serial")).toEqual([`file:${spec.consoleLog}`]);
  });

  it("uses the host CPU only under KVM", () => {
    expect(values(args, "-cpu")).toEqual(["max"]);
    expect(values(qemuArgs({ ...spec, accel: "kvm" }), "-cpu")).toEqual(["host"]);
  });
});
