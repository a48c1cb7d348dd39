/**
 * The `--web.listen-address` syntax the Go exporters use (`:PORT`, `HOST:PORT`, `[V6]:PORT`),
 * so an operator's muscle memory and existing unit files carry over unchanged, plus one suffix of
 * our own, `@DEVICE` (`:9852@mgmt`): sockets bound to that device, which for a VRF means they
 * answer only what is routed through it, as a router's management VRF wants.
 */
import { isIP, isIPv4, isIPv6 } from "node:net";

export interface ListenAddress {
  /** Absent means every address of every family, like Go's `:PORT`. */
  host?: string;
  port: number;
  /** A VRF (or any interface) the sockets are bound to (SO_BINDTODEVICE). */
  device?: string;
}

// The kernel's rule for device names (IFNAMSIZ is 16 with the NUL).
const devicePattern = /^[^\s/:@]{1,15}$/;

// RFC 1123 labels: a typo such as a stray space or slash fails here rather than in a DNS lookup at start.
const hostnamePattern =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Parses a listen address; throws an Error whose message is one line naming what is wrong. */
export function parseListenAddress(text: string): ListenAddress {
  const at = text.lastIndexOf("@");
  if (at < 0) return parseHostPort(text);
  const device = text.slice(at + 1);
  if (!devicePattern.test(device) || device === "." || device === "..") {
    throw new Error(`"${text}": "${device}" is not a network device name (after @ comes a VRF or interface)`);
  }
  const address = parseHostPort(text.slice(0, at));
  // Bound to a device, the socket is made by the addon, which takes addresses, not names to look up.
  if (address.host !== undefined && !isIP(address.host)) {
    throw new Error(`"${text}": with @${device}, the host must be an IP address, not a name`);
  }
  return { ...address, device };
}

function parseHostPort(text: string): ListenAddress {
  const noPort = () => new Error(`"${text}" has no port (expected :PORT, HOST:PORT or [IPV6]:PORT)`);
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || !isIPv6(text.slice(1, close))) {
      throw new Error(`"${text}": "${close < 0 ? text : text.slice(0, close + 1)}" is not a bracketed IPv6 address`);
    }
    if (text[close + 1] !== ":") throw noPort();
    return { host: text.slice(1, close), port: parsePort(text.slice(close + 2), text) };
  }
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw noPort();
  const host = text.slice(0, colon);
  const port = parsePort(text.slice(colon + 1), text);
  if (host === "") return { port };
  if (host.includes(":")) throw new Error(`"${text}": an IPv6 address needs brackets, as in [::1]:${port}`);
  if (isIPv4(host)) return { host, port };
  // All digits and dots but not a valid IPv4 address (999.0.0.1): a mistyped address, not a name.
  if (/^[\d.]+$/.test(host) || !hostnamePattern.test(host)) {
    throw new Error(`"${text}": "${host}" is not a valid host name or IP address`);
  }
  return { host, port };
}

function parsePort(text: string, whole: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new Error(`"${whole}": port "${text}" is not a number`);
  const port = Number(text);
  if (port > 65535) throw new Error(`"${whole}": port ${port} is out of range (0 to 65535)`);
  return port;
}

/** The address as an operator writes it, for messages: `:9852`, `127.0.0.1:9852`, `[::1]:9852`, `:9852@mgmt`. */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host ?? "";
  return `${host.includes(":") ? `[${host}]` : host}:${address.port}${address.device ? `@${address.device}` : ""}`;
}
