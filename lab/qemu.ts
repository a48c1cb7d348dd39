/** The qemu command line of the lab guest, built in one place from a plain description. */

export type Accel = "kvm" | "tcg";

export interface PortForward {
  host: number;
  guest: number;
}

export interface GuestSpec {
  accel: Accel;
  vmlinuz: string;
  initramfs: string;
  memoryMiB: number;
  cpus: number;
  /** Shared read-only as the guest's root. */
  hostRoot: string;
  /** The only host folder the guest may write to; mounted at the same path inside. */
  outDir: string;
  consoleLog: string;
  controlSocket: string;
  forwards: readonly PortForward[];
  /** Extra kernel command line words, e.g. lab.root=... for stage 1. */
  kernelArgs: readonly string[];
}

export const qemuBinary = "qemu-system-x86_64";

export function qemuArgs(spec: GuestSpec): string[] {
  const cpu = spec.accel === "kvm" ? "host" : "max";
  const hostfwd = spec.forwards.map((f) => `,hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join("");
  return [
    ...["-accel", spec.accel, "-cpu", cpu, "-m", String(spec.memoryMiB), "-smp", String(spec.cpus)],
    ...["-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none"],
    ...["-serial", `file:${spec.consoleLog}`],
    ...["-kernel", spec.vmlinuz, "-initrd", spec.initramfs],
    ...["-append", ["console=ttyS0", "panic=-1", "quiet", ...spec.kernelArgs].join(" ")],
    ...["-fsdev", `local,id=hostroot,path=${spec.hostRoot},security_model=none,readonly=on,multidevs=remap`],
    ...["-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot"],
    ...["-fsdev", `local,id=labout,path=${spec.outDir},security_model=none`],
    ...["-device", "virtio-9p-pci,fsdev=labout,mount_tag=labout"],
    // restrict=on: the guest reaches nothing outside; only the forwarded ports reach in.
    ...["-netdev", `user,id=uplink,restrict=on${hostfwd}`],
    ...["-device", "virtio-net-pci,netdev=uplink,romfile="],
    ...["-device", "virtio-serial-pci"],
    ...["-chardev", `socket,id=ctl,path=${spec.controlSocket},server=on,wait=off`],
    ...["-device", "virtserialport,chardev=ctl,name=lab.ctl"],
  ];
}
