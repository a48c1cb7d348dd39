/**
 * Where the HTTP server listens: each listener is turned into what Node's `server.listen()` takes
 * by listenOptions(), the one place that knows how a kind of listener becomes a socket (an address
 * bound to a VRF becomes one the addon made; it throws the addon's error, with its errno code).
 */
import type { ListenOptions } from "node:net";
import { formatListenAddress, type ListenAddress } from "../config/listen-address.js";
import { loadNative } from "../native.js";
import { OperatorError } from "../operator-error.js";

export type Listener =
  /** A `--web.listen-address`. */
  | { kind: "address"; address: ListenAddress }
  /** A listening socket inherited from systemd (`--web.systemd-socket`); `name` is its FileDescriptorName. */
  | { kind: "fd"; fd: number; name: string };

/** What `server.listen()` takes: an address to bind, or a socket already listening (its fd). */
export type ListenTarget = ListenOptions | { fd: number };

/** What `server.listen()` takes for this listener. */
export function listenOptions(listener: Listener): ListenTarget {
  switch (listener.kind) {
    case "address": {
      const { address } = listener;
      // Node cannot set SO_BINDTODEVICE before it binds: the addon makes the socket, Node serves it.
      if (address.device !== undefined) {
        return { fd: loadNative().listenOnDevice(address.host ?? "", address.port, address.device) };
      }
      return { port: address.port, ...(address.host ? { host: address.host } : {}) };
    }
    case "fd":
      return { fd: listener.fd };
  }
}

/** The listener as an operator names it, for messages. */
export function formatListener(listener: Listener): string {
  return listener.kind === "address" ? formatListenAddress(listener.address) : `systemd socket ${listener.name}`;
}

/** sd_listen_fds(3): the first socket systemd passes is fd 3. */
const firstSystemdFd = 3;

/**
 * The sockets systemd passed (LISTEN_FDS and LISTEN_FDNAMES, meant for this process when
 * LISTEN_PID is its pid), and the variables removed so that no child takes them for its own, as
 * sd_listen_fds(1) and exporter-toolkit's activation.Listeners(true) do.
 */
export function systemdListeners(env: NodeJS.ProcessEnv = process.env, pid = process.pid): Listener[] {
  const { LISTEN_PID: listenPid, LISTEN_FDS: listenFds, LISTEN_FDNAMES: names = "" } = env;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  const count = Number(listenFds);
  if (listenPid === undefined || listenFds === undefined || !Number.isInteger(count) || count < 1) {
    throw new OperatorError(
      "--web.systemd-socket: no socket activation file descriptors found (LISTEN_FDS and LISTEN_PID unset; is a .socket unit starting it?)",
    );
  }
  if (Number(listenPid) !== pid) {
    throw new OperatorError(`--web.systemd-socket: the sockets are for process ${listenPid}, not this one (${pid})`);
  }
  const fdNames = names.split(":");
  return Array.from({ length: count }, (_, i) => {
    const fd = firstSystemdFd + i;
    return { kind: "fd", fd, name: fdNames[i] || `fd ${fd}` };
  });
}
