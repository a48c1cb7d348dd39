/**
 * A veth pair for host-kernel tests: one end in this process's namespace (where the datapath
 * attaches), the other in a network namespace the test creates and removes. Addresses are in a
 * /30 that exists only between the two ends.
 */
import { execa } from "execa";

export interface LinkStats {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
}

export interface VethPair {
  name: string;
  namespace: string;
  ifindex: number;
  address: string;
  peerAddress: string;
  /** The kernel's own counters of the local end. */
  stats(): Promise<LinkStats>;
  /** Runs a command inside the peer's namespace. */
  inPeer(argv: string[]): Promise<string>;
  remove(): Promise<void>;
}

const ip = async (...args: string[]) => (await execa("ip", args)).stdout;

const macOf = async (...show: string[]) => (JSON.parse(await ip(...show)) as { address: string }[])[0]?.address ?? "";

/**
 * `id` (0..255) names the pair's devices, namespace and /30, so pairs alive at the same time
 * need ids of their own; the bpf test files run one at a time, so an id unique per file is
 * enough. `index` asks the kernel for a given ifindex, `peerIndex` for one in the peer's namespace
 * (each namespace numbers its devices on its own, so both may be the same number).
 */
export async function vethPair(id: number, options: { index?: number; peerIndex?: number } = {}): Promise<VethPair> {
  const name = `vat${id}`;
  const namespace = `vrf-agent-test-${id}`;
  const address = `10.199.${id}.1`;
  const peerAddress = `10.199.${id}.2`;
  const inPeer = async (argv: string[]) => (await execa("ip", ["netns", "exec", namespace, ...argv])).stdout;
  const remove = async () => {
    // Deleting the namespace deletes its end, and with it the pair.
    await execa("ip", ["netns", "delete", namespace], { reject: false });
    await execa("ip", ["link", "delete", name], { reject: false });
  };
  let ifindex: number;
  try {
    await ip("netns", "add", namespace);
    const index = options.index === undefined ? [] : ["index", String(options.index)];
    const peerIndex = options.peerIndex === undefined ? [] : ["index", String(options.peerIndex)];
    await ip("link", "add", name, ...index, "type", "veth", "peer", "name", "peer", ...peerIndex, "netns", namespace);
    // No IPv6, and neighbours static before either end is up: router solicitations, MLD reports
    // and ARP would land between a test's readings and make exact counts racy.
    await execa("sysctl", ["-qw", `net.ipv6.conf.${name}.disable_ipv6=1`]);
    await inPeer(["sysctl", "-qw", "net.ipv6.conf.peer.disable_ipv6=1"]);
    await ip("address", "add", `${address}/30`, "dev", name);
    await ip("-n", namespace, "address", "add", `${peerAddress}/30`, "dev", "peer");
    const peerMac = await macOf("-n", namespace, "-j", "link", "show", "peer");
    const localMac = await macOf("-j", "link", "show", name);
    await ip("neigh", "replace", peerAddress, "lladdr", peerMac, "dev", name);
    await ip("-n", namespace, "neigh", "replace", address, "lladdr", localMac, "dev", "peer");
    await ip("link", "set", name, "up");
    await ip("-n", namespace, "link", "set", "peer", "up");
    await ip("-n", namespace, "link", "set", "lo", "up");
    const [link] = JSON.parse(await ip("-j", "link", "show", name)) as { ifindex: number }[];
    ifindex = link?.ifindex ?? 0;
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    name,
    namespace,
    ifindex,
    address,
    peerAddress,
    async stats() {
      const [shown] = JSON.parse(await ip("-j", "-s", "link", "show", name)) as {
        stats64: { rx: { packets: number; bytes: number }; tx: { packets: number; bytes: number } };
      }[];
      const s = shown?.stats64;
      return {
        rxPackets: s?.rx.packets ?? 0,
        txPackets: s?.tx.packets ?? 0,
        rxBytes: s?.rx.bytes ?? 0,
        txBytes: s?.tx.bytes ?? 0,
      };
    },
    inPeer,
    remove,
  };
}
