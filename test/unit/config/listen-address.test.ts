/** `--web.listen-address` with a device: `HOST:PORT@DEVICE`, for sockets bound to a VRF. */
import { describe, expect, it } from "vitest";
import { parseFlags } from "../../../agent/config/flags.js";
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

describe("--web.listen-address with a device", () => {
  it("takes one beside a plain one, and says so in --help", () => {
    const parsed = parseFlags(["--web.listen-address=:9852", "--web.listen-address=10.0.0.2:9853@mgmt"]);
    expect(parsed.kind === "run" && parsed.options.listenAddresses).toEqual([
      { port: 9852 },
      { host: "10.0.0.2", port: 9853, device: "mgmt" },
    ]);
    const help = parseFlags(["--help"]);
    expect(help.kind === "help" && help.text.replace(/\s+/g, " ")).toContain(":9852@mgmt binds it to the VRF mgmt");
  });
});
