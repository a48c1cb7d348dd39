/**
 * `vrf-agent check` where a new user meets it: a machine with no bpffs mounted, a user that has
 * the agent's capabilities but is not root, and a checkout whose build is missing a part. Each
 * answer is lines of verdicts or one line of refusal, never a stack trace.
 */
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, cli, nobody, projectRoot, theLine } from "../support/cli.js";
import { withoutBpffs } from "../support/running-agent.js";

const run = (wrapper: string[], script = cli, args: string[] = []) => {
  const [file = "", ...rest] = [...wrapper, process.execPath, script, "check", ...args];
  return execa(file, rest, { reject: false, env: { NO_COLOR: "1" }, timeout: 60_000 });
};

/** The verdict lines: `<verdict>  <name>  <detail>`, and nothing that looks like a stack. */
function verdicts(stdout: string, stderr: string): Map<string, { verdict: string; detail: string }> {
  expect(stderr).toBe("");
  expect(stdout).not.toContain("    at ");
  const lines = new Map<string, { verdict: string; detail: string }>();
  for (const line of stdout.split("\n")) {
    const match = /^(ok|degraded|FAIL) +(.+?) {2,}(.+)$/.exec(line);
    if (match) lines.set(match[2] ?? "", { verdict: match[1] ?? "", detail: match[3] ?? "" });
  }
  return lines;
}

describe("vrf-agent check", () => {
  beforeAll(assertBuilt);

  it("on a machine without bpffs says the agent will mount it, and still loads every family", async () => {
    const result = await run(withoutBpffs);
    const lines = verdicts(result.stdout, result.stderr);
    expect(lines.get("bpffs")).toEqual({
      verdict: "ok",
      detail: "not mounted at /sys/fs/bpf: the agent mounts it when it starts",
    });
    expect(lines.get("traffic hooks")).toEqual({ verdict: "ok", detail: "load on this kernel" });
    expect(lines.get("drops hooks")?.verdict).toBe("ok");
    expect(result.stdout).not.toMatch(/No such file/);
    expect(result.exitCode).toBe(0);
  });

  it("as a user with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON but not root: a verdict per line", async () => {
    const caps = "+bpf,+net_admin,+perfmon";
    const result = await run(["setpriv", ...nobody, `--inh-caps=${caps}`, `--ambient-caps=${caps}`]);
    const lines = verdicts(result.stdout, result.stderr);
    expect(lines.get("privileges")?.verdict).toBe("ok");
    expect(lines.get("traffic hooks")).toEqual({ verdict: "ok", detail: "load on this kernel" });
    // Not blamed on the kernel: the user could not make the namespace to try it in.
    expect(lines.get("VRF support")?.detail).toMatch(/^not tried: no throwaway namespace could be made/);
    for (const name of ["kernel BTF", "bpffs", "iproute2", "tc attach", "drops hooks"]) {
      expect(lines.has(name), `${name} in:\n${result.stdout}`).toBe(true);
    }
  });

  describe("from a build with a part missing", () => {
    let copy: string;
    beforeAll(async () => {
      // A checkout of its own: the project root is found from where dist/ is.
      copy = await mkdtemp(join(tmpdir(), "vrf-agent-check-"));
      await cp(join(projectRoot, "package.json"), join(copy, "package.json"));
      await cp(join(projectRoot, "dist"), join(copy, "dist"), { recursive: true });
      await symlink(join(projectRoot, "node_modules"), join(copy, "node_modules"));
      await mkdir(join(copy, "native"));
    });
    afterAll(async () => {
      if (copy) await rm(copy, { recursive: true, force: true });
    });

    it("says in one line that the addon is not built", async () => {
      const result = await run([], join(copy, "dist", "agent", "cli.js"));
      expect(result.exitCode).toBe(1);
      const addon = join(copy, "native", "build", "Release", "vrf_agent_native.node");
      expect(theLine(result.stderr)).toBe(
        `vrf-agent check: the native addon is not built: run npm run build (missing ${addon})`,
      );
    });

    it("fails the family whose object is missing, naming the file, and checks the others", async () => {
      await cp(join(projectRoot, "native", "build"), join(copy, "native", "build"), { recursive: true });
      await mkdir(join(copy, "build", "bpf"), { recursive: true });
      for (const family of ["traffic", "unreachable"]) {
        await cp(join(projectRoot, "build", "bpf", `${family}.bpf.o`), join(copy, "build", "bpf", `${family}.bpf.o`));
      }
      const result = await run([], join(copy, "dist", "agent", "cli.js"));
      const lines = verdicts(result.stdout, result.stderr);
      expect(lines.get("drops hooks")).toEqual({
        verdict: "FAIL",
        detail: `${join(copy, "build", "bpf", "drops.bpf.o")} is missing: run npm run build`,
      });
      expect(lines.get("traffic hooks")?.verdict).toBe("ok");
      expect(result.exitCode).toBe(1);
    });
  });
});
