/**
 * `vrf-agent status` from the built CLI against a real HttpServer secured the way the README's web
 * config secures the agent: TLS, a client certificate verified against a CA, and basic auth.
 * Also where colour may appear (a terminal without NO_COLOR, never a pipe) and its bad flags.
 */
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWebConfig } from "../../../agent/config/web-config.js";
import type { HttpServer } from "../../../agent/http/server.js";
import { assertBuilt, theLine, vrfAgent, vrfAgentInTerminal } from "../../support/cli.js";
import { makePki, type Pki } from "../../support/pki.js";
import { startServer } from "../http/client.js";

const esc = "\x1b";
let pki: Pki;
let secured: HttpServer;
let plain: HttpServer;
let scrapes = 0;
let passwordFile: string;
let wrongPasswordFile: string;

/** A small agent's exposition whose counters grow with every scrape, so status has rates to show. */
function exposition(): string {
  scrapes += 1;
  return [
    'vrf_info{vrf="red",table="10"} 1',
    'vrf_info{vrf="blue",table="20"} 1',
    'vrf_member_up{vrf="red",interface="veth-red"} 1',
    'vrf_member_up{vrf="blue",interface="veth-blue"} 0',
    `vrf_receive_packets_total{vrf="red"} ${100 * scrapes}`,
    `vrf_transmit_packets_total{vrf="red"} ${50 * scrapes}`,
    `vrf_drops_total{vrf="red",reason="NO_ROUTE"} ${3 * scrapes}`,
    `vrf_unreachable_hits_total{vrf="blue",family="ipv4",route="unreachable"} ${2 * scrapes}`,
    `vrf_cross_packets_total{src_vrf="red",dst_vrf="blue"} ${7 * scrapes}`,
    'vrf_cross_expected{src_vrf="red",dst_vrf="blue"} 0',
    'vrf_config_problem{vrf="blue",check="no_unreachable_default"} 1',
    "",
  ].join("\n");
}

const metrics = async () => ({ contentType: "text/plain; version=0.0.4", body: exposition() });

beforeAll(async () => {
  assertBuilt();
  pki = await makePki();
  const hash = await bcrypt.hash("s3cret", 4);
  const webFile = join(pki.dir, "web.yml");
  await writeFile(
    webFile,
    `tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_ca_file: ca.crt
  client_auth_type: RequireAndVerifyClientCert
basic_auth_users:
  prometheus: "${hash}"
`,
  );
  secured = (await startServer({ web: await loadWebConfig(webFile), metrics })).server;
  plain = (await startServer({ metrics })).server;
  // As `echo s3cret > file` writes it: the line end is not part of the password.
  passwordFile = join(pki.dir, "password");
  await writeFile(passwordFile, "s3cret\n");
  await chmod(passwordFile, 0o600);
  wrongPasswordFile = join(pki.dir, "wrong-password");
  await writeFile(wrongPasswordFile, "guess\n");
});
afterAll(async () => {
  await secured?.stop();
  await plain?.stop();
  await pki?.remove();
});

const securedUrl = () => `https://127.0.0.1:${secured.address().port}/metrics`;
const plainUrl = () => `http://127.0.0.1:${plain.address().port}/metrics`;
const clientCert = () => [`--tls.cert-file=${pki.clientCert}`, `--tls.key-file=${pki.clientKey}`];
const credentials = (file = passwordFile) => ["--basic-auth.username=prometheus", `--basic-auth.password-file=${file}`];
const everything = () => [
  `--url=${securedUrl()}`,
  `--tls.ca-file=${pki.caCert}`,
  ...clientCert(),
  ...credentials(),
  "--interval=0.2",
];

describe("vrf-agent status against an agent with TLS, a client certificate and basic auth", () => {
  it("renders the agent's view with the CA, the client certificate and the password file", async () => {
    const result = await vrfAgent(["status", ...everything()]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    // Rates over the 0.2 s asked for, from counters that grow by one step per scrape.
    expect(result.stdout).toMatch(/│ red +│ 10 +│ 1\/1 +│ 500 +│ 250 +│ 15\.0 +│ 0\.0 +│ none +│/);
    expect(result.stdout).toMatch(/│ blue +│ 20 +│ 0\/1 +│.*│ no_unreachable_default +│/);
    expect(result.stdout).toMatch(/│ red +│ blue +│ \d+ +│ 35\.0 +│ NO +│/);
  });

  it.for([
    [
      "a wrong password",
      () => [
        `--url=${securedUrl()}`,
        `--tls.ca-file=${pki.caCert}`,
        ...clientCert(),
        ...credentials(wrongPasswordFile),
      ],
      /https:\/\/127\.0\.0\.1:\d+\/metrics answered 401 Unauthorized: the agent does not take that user and password/,
    ],
    [
      "no basic auth",
      () => [`--url=${securedUrl()}`, `--tls.ca-file=${pki.caCert}`, ...clientCert()],
      /answered 401 Unauthorized: it wants basic auth \(--basic-auth\.username and --basic-auth\.password-file\)$/,
    ],
    [
      "no client certificate",
      () => [`--url=${securedUrl()}`, `--tls.ca-file=${pki.caCert}`, ...credentials()],
      /(refused the TLS handshake|closed the connection) \(\w+\): does it want a client certificate/,
    ],
    [
      "a client certificate from another CA",
      () => [
        `--url=${securedUrl()}`,
        `--tls.ca-file=${pki.caCert}`,
        `--tls.cert-file=${pki.strangerCert}`,
        `--tls.key-file=${pki.strangerKey}`,
        ...credentials(),
      ],
      /(refused the TLS handshake|closed the connection) \(\w+\): does it want a client certificate/,
    ],
    [
      "no CA for the agent's certificate",
      () => [`--url=${securedUrl()}`, ...clientCert(), ...credentials()],
      /cannot trust the certificate of https:\/\/127\.0\.0\.1:\d+\/metrics \(\w+\): give the CA that signed it with --tls\.ca-file$/,
    ],
    [
      "http:// to an agent that speaks TLS",
      () => [`--url=${securedUrl().replace("https:", "http:")}`],
      /closed the connection \(\w+\): does it serve HTTPS \(https:\/\/\)\?$/,
    ],
  ] as const)("says in one line, exit 1, what is wrong with %s", async ([, args, says]) => {
    const result = await vrfAgent(["status", ...args(), "--interval=0.1"]);
    expect(result.exitCode).toBe(1);
    expect(theLine(result.stderr)).toMatch(new RegExp(`^vrf-agent status: .*${says.source}`));
    expect(result.stdout).toBe("");
  });

  it("skips verifying the agent's certificate only when asked", async () => {
    const args = [`--url=${securedUrl()}`, ...clientCert(), ...credentials(), "--interval=0.1"];
    expect((await vrfAgent(["status", ...args])).exitCode).toBe(1);
    const result = await vrfAgent(["status", ...args, "--tls.insecure-skip-verify"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });
});

describe("colour in vrf-agent status", () => {
  const noColour = { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: "xterm-256color" };

  it("colours a terminal's view (the control for the cases below)", async () => {
    const result = await vrfAgentInTerminal(["status", ...everything()], { env: noColour });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("red");
    expect(result.stdout).toContain(esc);
  });

  it("prints no colour codes to a terminal with NO_COLOR set", async () => {
    const result = await vrfAgentInTerminal(["status", ...everything()], { env: { ...noColour, NO_COLOR: "1" } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/│ red +│ 10 +│/);
    expect(result.stdout).not.toContain(esc);
  });

  it("prints no colour codes to a pipe, even where CI is set", async () => {
    const result = await vrfAgent(["status", ...everything()], { env: { ...noColour, CI: "true" } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/│ red +│ 10 +│/);
    expect(result.stdout).not.toContain(esc);
  });
});

describe("vrf-agent status on bad flags", () => {
  it.for(["abc", "-1", "0", "", "1e9", "Infinity"])("refuses --interval=%j with exit 2 in one line", async (value) => {
    const result = await vrfAgent(["status", `--url=${plainUrl()}`, `--interval=${value}`]);
    expect(result.exitCode).toBe(2);
    expect(theLine(result.stderr)).toBe(
      `vrf-agent status: option '--interval <seconds>' argument '${value}' is invalid. must be a number of seconds above 0, at most 3600`,
    );
    expect(result.stdout).toBe("");
  });

  it.for([
    [
      ["--url=ftp://127.0.0.1/metrics"],
      "option '--url <url>' argument 'ftp://127.0.0.1/metrics' is invalid. must be http:// or https://",
    ],
    [
      ["--url=http://127.0.0.1:9/metrics", "--tls.insecure-skip-verify"],
      "the --tls.* flags need an https:// --url, not http://127.0.0.1:9/metrics",
    ],
    [
      ["--url=https://127.0.0.1:9/metrics", "--tls.cert-file=/nonexistent.crt"],
      "--tls.cert-file and --tls.key-file go together",
    ],
    [["--basic-auth.username=prometheus"], "--basic-auth.username and --basic-auth.password-file go together"],
    [
      ["--basic-auth.username=prometheus", "--basic-auth.password-file=/nonexistent"],
      "cannot read /nonexistent: no such file or folder",
    ],
    [["--urll", "http://127.0.0.1:9/metrics"], "unknown option '--urll' (Did you mean --url?)"],
  ])("refuses %j with exit 2 in one line", async ([args, says]) => {
    const result = await vrfAgent(["status", ...(args as string[])]);
    expect(result.exitCode).toBe(2);
    expect(theLine(result.stderr)).toBe(`vrf-agent status: ${says}`);
  });

  it("says in one line, exit 1, that a URL without metrics (the landing page) is not the agent's metrics", async () => {
    const url = plainUrl().replace("/metrics", "/");
    const result = await vrfAgent(["status", `--url=${url}`, "--interval=0.1"]);
    expect(result.exitCode).toBe(1);
    expect(theLine(result.stderr)).toMatch(
      new RegExp(`^vrf-agent status: ${url} did not answer with Prometheus metrics: not an exposition line: <!DOCTYPE`),
    );
  });

  it("reads an agent over plain HTTP as before", async () => {
    const result = await vrfAgent(["status", `--url=${plainUrl()}`, "--interval=0.1"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/│ red +│ 10 +│/);
  });
});
