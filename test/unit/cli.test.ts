/**
 * The `vrf-agent` command's answers to bad input, from the built CLI (dist/agent/cli.js, which
 * `npm test` builds first) run as a child process, the way an operator meets it: the exit code
 * (2 for usage and configuration, 1 for the runtime) and one line on stderr, never a stack trace.
 * The cases that need the agent past its root check, or another user, run only as root.
 */
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildInfo } from "../../agent/version.js";
import {
  assertBuilt,
  closedPort,
  listen,
  nobody,
  projectRoot,
  theLine,
  vrfAgent,
  vrfAgentInTerminal,
} from "../support/cli.js";
import { makePki } from "../support/pki.js";

const { version } = JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8")) as { version: string };
const root = process.geteuid?.() === 0;

// Who may run as nobody: setpriv must exist, and nobody must be able to open Node.js and dist/
// (a checkout under /root would not allow it). Said as a reason, so a skip is never silent.
const asNobody = root
  ? await execa("setpriv", [...nobody, process.execPath, "-e", ""], { reject: false }).then((r) => {
      if (r.code === "ENOENT") return "setpriv (util-linux) is not installed";
      return r.failed ? `nobody cannot run ${process.execPath}: ${r.stderr.trim() || r.message}` : undefined;
    })
  : "the test does not run as root, so it cannot switch to another user";

describe("the vrf-agent command on bad input", () => {
  let dir: string;

  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), "vrf-agent-cli-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses to run without its capabilities and names each one missing", async ({ skip }) => {
    if (asNobody) skip(asNobody);
    const result = await vrfAgent([], { nobody: true });
    expect(result.exitCode).toBe(1);
    const line = theLine(result.stderr);
    expect(line).toMatch(
      /^vrf-agent: missing CAP_BPF \(.+\), CAP_NET_ADMIN \(.+\), CAP_PERFMON \(.+\): run it as root/,
    );
    // Given the others, only the one it lacks is named.
    const some = await vrfAgent([], { nobody: true, caps: "+bpf,+perfmon" });
    expect(theLine(some.stderr)).toMatch(/^vrf-agent: missing CAP_NET_ADMIN \(to attach the tc hooks\): /);
  });

  it.each([
    ["a listen address without a port", "--web.listen-address=nope", /'nope' is invalid.*no port/],
    ["a log level that does not exist", "--log.level=loud", /'loud' is invalid.*debug, info, warn, error/],
    ["a flag that does not exist", "--web.listen-adress=:9852", /unknown option '--web\.listen-adress/],
  ])("answers %s with exit code 2", async (_what, flag, says) => {
    const result = await vrfAgent([flag]);
    expect(result.exitCode).toBe(2);
    expect(theLine(result.stderr)).toMatch(says);
    expect(result.stdout).toBe("");
  });

  it("points at the file and line of an unknown key in --config.file", async () => {
    const file = join(dir, "unknown-key.yml");
    await writeFile(file, "hooks:\n  tc: auto\n  tcx: legacy\n");
    const result = await vrfAgent([`--config.file=${file}`]);
    expect(result.exitCode).toBe(2);
    expect(theLine(result.stderr)).toBe(`vrf-agent: ${file}:3:3: hooks.tcx: unknown key`);
  });

  it("points at the file and line of a YAML syntax error in --config.file", async () => {
    const file = join(dir, "syntax.yml");
    await writeFile(file, "hooks:\n\ttc: auto\n");
    const result = await vrfAgent([`--config.file=${file}`]);
    expect(result.exitCode).toBe(2);
    expect(theLine(result.stderr)).toMatch(new RegExp(`^vrf-agent: ${file}:2:\\d+: .*[Tt]ab`));
  });

  // A web config is configuration like the flags (the operator fixes a file and starts again), so
  // it exits 2 as they do, naming the field's line and the certificate it could not read.
  it("answers a --web.config.file whose certificate is missing with exit code 2", async () => {
    const file = join(dir, "web.yml");
    await writeFile(file, "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n");
    const result = await vrfAgent([`--web.config.file=${file}`]);
    expect(result.exitCode).toBe(2);
    const line = theLine(result.stderr);
    expect(line).toContain(`${file}:2:`);
    expect(line).toContain(`cannot read ${join(dir, "missing.crt")}: no such file`);
  });

  it("refuses a --web.config.file whose TLS key anyone may write, in one line naming file and mode", async () => {
    const pki = await makePki(dir);
    try {
      await chmod(pki.serverKey, 0o666);
      const file = join(pki.dir, "web.yml");
      await writeFile(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
      // Where an agent that took the key anyway (run as root, it would start) could do no harm.
      const pinPath = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
      const result = await vrfAgent(
        [`--web.config.file=${file}`, "--web.listen-address=127.0.0.1:0", `--bpf.pin-path=${pinPath}`],
        { timeout: 10_000 },
      );
      await rm(pinPath, { recursive: true, force: true });
      expect(result.exitCode).toBe(2);
      expect(theLine(result.stderr)).toBe(
        `vrf-agent: ${file}:3:13: tls_server_config.key_file: ${pki.serverKey} is an unprotected private key file: mode 0666 lets its group and others write it (chmod go-w it)`,
      );
    } finally {
      await pki.remove();
    }
  });

  it("warns about a TLS key every user can read, and goes on", async ({ skip }) => {
    // It goes on as far as the privilege check, which is where it stops as another user than root.
    if (root && asNobody) skip(asNobody);
    const pki = await makePki(dir);
    try {
      // nobody reads the config and the certificate, and the key as anyone could.
      for (const folder of [dir, pki.dir]) await chmod(folder, 0o755);
      await chmod(pki.serverKey, 0o644);
      const file = join(pki.dir, "web.yml");
      await writeFile(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
      const result = await vrfAgent([`--web.config.file=${file}`], { nobody: root });
      expect(result.exitCode).toBe(1);
      expect(theLine(result.stderr)).toMatch(/^vrf-agent: missing CAP_BPF/);
      expect(result.stderr).toContain(
        `level=warn msg="tls_server_config.key_file ${pki.serverKey} is readable by every user of this host (mode 0644): chmod o-r it" component=web`,
      );
    } finally {
      await chmod(dir, 0o700);
      await pki.remove();
    }
  });

  // Whatever a config flag points at, the answer is one line and exit 2, within seconds. Every
  // file here is also refused by the code before the limits (an unknown key after the padding),
  // so a regression fails the assertions rather than starting the agent as root.
  describe.for(["--config.file", "--web.config.file"])("%s that is not a config file", (flag) => {
    const refused = async (file: string) => {
      const result = await vrfAgent([`${flag}=${file}`], { timeout: 20_000 });
      expect(result.timedOut).toBe(false);
      expect(result.exitCode).toBe(2);
      return theLine(result.stderr);
    };
    const written = async (name: string, content: string | Buffer) => {
      const file = join(dir, `${flag.replaceAll(".", "-").slice(2)}-${name}`);
      await writeFile(file, content);
      return file;
    };

    it("refuses a file above 1 MiB without parsing it", async () => {
      const file = await written("big.yml", `${"# padding\n".repeat(220_000)}not_a_key: 1\n`);
      expect(await refused(file)).toBe(
        `vrf-agent: ${file}: larger than 1 MiB, so not a config file (they are a few KiB)`,
      );
    });

    it("refuses /dev/zero after reading 1 MiB of it", async () => {
      expect(await refused("/dev/zero")).toBe(
        "vrf-agent: /dev/zero: larger than 1 MiB, so not a config file (they are a few KiB)",
      );
    });

    it("refuses a FIFO that never ends", async () => {
      const fifo = join(dir, `${flag.slice(2)}.fifo`);
      await execa("mkfifo", [fifo]);
      // `yes` writes until the agent closes its end; SIGPIPE ends it then.
      const writer = execa("sh", ["-c", `exec yes 'not_a_key: 1' > '${fifo}'`], { reject: false });
      try {
        expect(await refused(fifo)).toMatch(/: larger than 1 MiB/);
      } finally {
        writer.kill();
        await writer;
        await rm(fifo, { force: true });
      }
    });

    it("refuses 3 MB of binary garbage in one line", async () => {
      const garbage = Buffer.alloc(3_000_000);
      for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
      expect(await refused(await written("garbage.bin", garbage))).toMatch(/: larger than 1 MiB/);
    });

    it("refuses a small binary file by its NUL byte", async () => {
      const file = await written("small.bin", Buffer.from("not_a_key: 1\n\0\x01\x02\x7fELF"));
      expect(await refused(file)).toBe(`vrf-agent: ${file}: binary, not YAML text (a NUL byte at offset 13)`);
    });

    it("refuses text that is not UTF-8", async () => {
      const file = await written("latin1.yml", Buffer.from("not_a_key: caf\xe9\n", "latin1"));
      expect(await refused(file)).toBe(`vrf-agent: ${file}: not UTF-8 text (YAML files are UTF-8)`);
    });

    it("reports the first of many YAML errors and how many more there are", async () => {
      const file = await written("tabs.yml", "not_a_key:\n".concat("\tx: 1\n".repeat(30)));
      const line = await refused(file);
      expect(line).toMatch(new RegExp(`^vrf-agent: ${file}:2:1: .*[Tt]ab.* \\(and \\d+ more problems\\)$`));
    });

    it("refuses an alias bomb as configuration, not as a crash", async () => {
      const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
      for (const name of "bcdefghi") {
        const previous = String.fromCharCode(name.charCodeAt(0) - 1);
        levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
      }
      const file = await written("bomb.yml", `${levels.join("\n")}\n`);
      expect(await refused(file)).toMatch(new RegExp(`^vrf-agent: ${file}: .*[Aa]lias`));
    });
  });

  it("stops with exit code 1 when its port is in use, leaving nothing attached", async ({ skip }) => {
    if (!root) skip("the agent only gets as far as listening as root");
    const holder = createServer();
    const port = await listen(holder);
    const pinPath = `/sys/fs/bpf/vrf-agent-test-${randomUUID()}`;
    try {
      const result = await vrfAgent([`--web.listen-address=127.0.0.1:${port}`, `--bpf.pin-path=${pinPath}`]);
      expect(result.exitCode).toBe(1);
      expect(theLine(result.stderr)).toBe(`vrf-agent: cannot listen on 127.0.0.1:${port}: address in use`);
      // It did get that far: the datapath was up (with no VRF on this host, no hook to attach)
      // and was stopped again before the exit.
      // The one startup line says which build runs where, attached how, with what room and configs.
      expect(result.stderr).toMatch(
        new RegExp(
          `msg="datapath ready" version=${version} revision=[0-9a-f]{40}\\S* kernel=${release().replaceAll(".", "\\.")} ` +
            'libbpf=\\d+\\.\\d+ attach_mode=tcx vrf_slots=256 interface_slots=4096 config_file="" web_config_file="" vrfs=0 ',
        ),
      );
      expect(result.stderr).toMatch(/msg=stopping reason="start failed"/);
      expect((await stat(pinPath)).isDirectory()).toBe(true);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      await rm(pinPath, { recursive: true, force: true });
    }
  });

  it("lists its subcommands for --help", async () => {
    const result = await vrfAgent(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    for (const command of ["status", "check", "cleanup"])
      expect(result.stdout).toMatch(new RegExp(`vrf-agent ${command} `));
    expect(result.stdout).toContain("--web.listen-address");
  });

  it("prints the version and the build details for --version, as node_exporter does", async () => {
    const result = await vrfAgent(["--version"]);
    expect(result.exitCode).toBe(0);
    const built = JSON.parse(await readFile(join(projectRoot, "build", "build-info.json"), "utf8")) as BuildInfo;
    expect(built.revision).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(result.stdout).toBe(
      [
        `vrf-agent, version ${version} (branch: ${built.branch}, revision: ${built.revision})`,
        `  build user:       ${built.user}`,
        `  build date:       ${built.date}`,
        `  node version:     ${process.version}`,
        "  platform:         linux/amd64",
        "",
      ].join("\n"),
    );
    expect(result.stderr).toBe("");
  });

  it("says in one line that no agent answers when status finds nothing listening", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/metrics`;
    const result = await vrfAgent(["status", "--url", url]);
    expect(result.exitCode).toBe(1);
    expect(theLine(result.stderr)).toMatch(new RegExp(`^vrf-agent status: no agent answers at ${url} `));
  });

  // cleanup's refusals and what it removes: test/bpf/agent-daemon.test.ts, beside a running agent.

  it("says what works here for check, as root", async ({ skip }) => {
    if (!root) skip("check as another user fails its privileges line by design");
    const leftovers = async () =>
      (await readdir("/sys/fs/bpf")).filter((name) => name.startsWith("vrf-agent-check-")).sort();
    const before = await leftovers();
    const result = await vrfAgent(["check"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    for (const check of ["privileges", "kernel BTF", "bpffs", "traffic hooks"]) {
      expect(result.stdout).toMatch(new RegExp(`^ok +${check} {2,}\\S`, "m"));
    }
    expect(result.stdout).toMatch(/^The agent can run here/m);
    // Each hook family was loaded into a throwaway pin folder, and the folder went with it.
    expect(await leftovers()).toEqual(before);
  });

  it("validates the config files given to check, as the daemon would read them, without starting", async () => {
    const good = join(dir, "check-good.yml");
    const bad = join(dir, "check-bad.yml");
    const badWeb = join(dir, "check-bad-web.yml");
    await writeFile(good, "expected_cross_vrf:\n  - from: green\n    to: blue\n");
    await writeFile(bad, "expected_cross_vrf:\n  - from: green\n");
    await writeFile(badWeb, "basic_auth_users:\n  alice: not-a-hash\n");
    const passing = await vrfAgent(["check", `--config.file=${good}`]);
    expect(passing.stdout).toMatch(new RegExp(`^ok +agent config {2,}${good} is valid$`, "m"));
    const failing = await vrfAgent(["check", `--config.file=${bad}`, `--web.config.file=${badWeb}`]);
    expect(failing.exitCode).toBe(1);
    expect(failing.stdout).toMatch(
      new RegExp(`^FAIL +agent config {2,}${bad}:2:5: expected_cross_vrf\\[0\\]\\.to: `, "m"),
    );
    expect(failing.stdout).toMatch(new RegExp(`^FAIL +web config {2,}${badWeb}:2:10: basic_auth_users\\.alice: `, "m"));
    expect(failing.stdout).toMatch(/^The agent cannot run here/m);
    // Nothing was started: no listener, no pin folder of its own.
    expect(failing.stderr).toBe("");
  });

  it("colours check's verdicts on a terminal, and never with NO_COLOR set or into a pipe", async ({ skip }) => {
    if (!root) skip("check as another user fails its privileges line by design");
    const colourable = { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: "xterm-256color" };
    // The control: a terminal without NO_COLOR gets colour, so its absence below means something.
    const coloured = await vrfAgentInTerminal(["check"], { env: colourable });
    expect(coloured.stdout).toMatch(/ok.*privileges/);
    expect(coloured.stdout).toContain("\x1b[");
    const noColor = await vrfAgentInTerminal(["check"], { env: { ...colourable, NO_COLOR: "1" } });
    expect(noColor.stdout).toMatch(/^ok +privileges/m);
    expect(noColor.stdout).not.toContain("\x1b");
    // picocolors alone would colour a pipe where CI is set.
    const piped = await vrfAgent(["check"], { env: { ...colourable, CI: "true" } });
    expect(piped.stdout).toMatch(/^ok +privileges/m);
    expect(piped.stdout).not.toContain("\x1b");
  });
});
