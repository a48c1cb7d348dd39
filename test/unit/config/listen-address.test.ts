/** `--web.listen-address` with a device: `HOST:PORT@DEVICE`, for sockets bound to a VRF. */
import { describe, expect, it } from "vitest";
import { formatListenAddress, parseListenAddress } from "../../../agent/config/listen-address.js";

describe("a listen address bound to a device", () => {
  it.each([
    [":9852@mgmt", { port: 9852, device: "mgmt" }],
    ["10.0.0.2:9852@mgmt", { host: "10.0.0.2", port: 9852, device: "mgmt" }],
    ["[2000:1::2]:9852@mgmt", { host: "2000:1::2", port: 9852, device: "mgmt" }],
    [":0@eth0.100", { port: 0, device: "eth0.100" }],
  ])("reads %s and writes it back the same", (text, address) => {
    expect(parseListenAddress(text)).toEqual(address);
    expect(formatListenAddress(parseListenAddress(text))).toBe(text);
  });

  it.each([
    [":9852@", /"" is not a network device name/],
    [":9852@a-name-longer-than-15", /is not a network device name/],
    [":9852@a b", /is not a network device name/],
    ["router.example:9852@mgmt", /with @mgmt, the host must be an IP address/],
    ["@mgmt", /has no port/],
  ])("refuses %s in one line", (text, says) => {
    expect(() => parseListenAddress(text)).toThrow(says);
  });
});
