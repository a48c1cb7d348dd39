/**
 * The .deb that `npm run package` made, as Debian's tools see it: lintian, its Depends, its unit,
 * systemd-analyze's rating of that unit, and the root it was installed into by apt, where it runs
 * with the runtime it carries and no Node.js of the system's.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../agent/artifacts.js";
import { daemonCapabilities } from "../../agent/capabilities.js";
import { version } from "../../agent/version.js";
import { debFile } from "../support/package.js";
import { packageRoot, unitDirective } from "../support/service-container.js";

describe("the Debian package", () => {
  it("has no lintian error, and only the warnings the README explains", async () => {
    const result = await execa("lintian", ["--tag-display-limit=0", debFile], { reject: false });
    const tags = result.stdout.split("\n").filter((line) => /^[EW]: /.test(line));
    expect(tags).toEqual([
      "W: vrf-agent: hardening-no-pie [usr/lib/vrf-agent/bin/node]",
      "W: vrf-agent: no-manual-page [usr/bin/vrf-agent]",
    ]);
    const readme = await readFile(join(projectRoot, "README.md"), "utf8");
    for (const tag of ["hardening-no-pie", "no-manual-page"]) expect(readme).toContain(`\`${tag}\``);
  });

  it("depends on Debian's runtime libraries and iproute2 only: no Node.js, compiler, qemu or Prometheus", async () => {
    const { stdout } = await execa("dpkg-deb", ["--field", debFile, "Depends"]);
    const names = stdout.split(",").map((d) => d.trim().split(" ")[0]);
    expect(names.sort()).toEqual(
      ["adduser", "iproute2", "libbpf1", "libc6", "libelf1", "libgcc-s1", "libmnl0", "libstdc++6", "zlib1g"].sort(),
    );
  });

  it("grants its unit the daemon's capabilities and CAP_DAC_READ_SEARCH, and nothing else", async () => {
    const wanted = [...daemonCapabilities, "CAP_DAC_READ_SEARCH"].sort();
    expect((await unitDirective("AmbientCapabilities")).split(" ").sort()).toEqual(wanted);
    expect((await unitDirective("CapabilityBoundingSet")).split(" ").sort()).toEqual(wanted);
    expect(await unitDirective("User")).toBe("vrf-agent");
  });

  it("has a unit systemd-analyze security rates as the README says", async () => {
    const result = await execa("systemd-analyze", [
      "security",
      "--offline=true",
      `--root=${packageRoot}`,
      "vrf-agent.service",
    ]);
    const score = /Overall exposure level for vrf-agent\.service: (\d+\.\d) (\w+)/.exec(result.stdout);
    const readme = await readFile(join(projectRoot, "README.md"), "utf8");
    expect(score?.[2]).toBe("OK");
    expect(readme).toContain(`\`systemd-analyze security vrf-agent\` rates it ${score?.[1]} (OK)`);
  });

  it("runs from the root apt installed it in, on the runtime it carries (that root has no node)", async () => {
    const which = await execa("chroot", [packageRoot, "sh", "-c", "command -v node nodejs"], { reject: false });
    expect(which.stdout).toBe("");
    const result = await execa("chroot", [packageRoot, "/usr/bin/vrf-agent", "--version"]);
    expect(result.stdout).toMatch(new RegExp(`^vrf-agent, version ${version.replaceAll(".", "\\.")} \\(branch: `));
    expect(result.stdout).toMatch(/^ {2}node version: +v24\./m);
    const installed = await execa("chroot", [
      packageRoot,
      "dpkg-query",
      "-W",
      `-f=\${Status} \${Version}`,
      "vrf-agent",
    ]);
    expect(installed.stdout).toBe(`install ok installed ${version}`);
  });
});
