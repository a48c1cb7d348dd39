import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultAgentConfig, loadAgentConfig, parseAgentConfig } from "../../../agent/config/agent-config.js";
import { ConfigError } from "../../../agent/config/yaml-file.js";

/** The ConfigError's issues as `LINE:COLUMN field: message`, the part an operator acts on. */
function problems(text: string): string[] {
  try {
    parseAgentConfig(text, "agent.yml");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => `${issue.line}:${issue.column} ${issue.field}: ${issue.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("the agent config file", () => {
  it("reads every setting", () => {
    const config = parseAgentConfig(
      `expected_cross_vrf:
  - { from: red, to: shared }
  - from: shared
    to: red
namespaces: [tenant-a, tenant-b]
hooks:
  tc: legacy
  drops: false
  unreachable: true
`,
      "agent.yml",
    );
    expect(config).toEqual({
      expectedCrossVrf: [
        { from: "red", to: "shared" },
        { from: "shared", to: "red" },
      ],
      namespaces: ["tenant-a", "tenant-b"],
      hooks: { tc: "legacy", drops: false, unreachable: true },
    });
  });

  it("defaults what is left out, and an empty file is all defaults", () => {
    const defaults = { expectedCrossVrf: [], namespaces: [], hooks: { tc: "auto", drops: true, unreachable: true } };
    expect(parseAgentConfig("", "agent.yml")).toEqual(defaults);
    expect(parseAgentConfig("# nothing yet\n", "agent.yml")).toEqual(defaults);
    expect(defaultAgentConfig).toEqual(defaults);
    expect(parseAgentConfig("hooks: { drops: false }\n", "agent.yml").hooks).toEqual({
      tc: "auto",
      drops: false,
      unreachable: true,
    });
  });

  it("names an unknown key, on the key's own line", () => {
    expect(problems("namespaces: []\nhooks:\n  tc: auto\n  drop: false\nexpected_cross_vfr: []\n")).toEqual([
      "4:3 hooks.drop: unknown key",
      "5:1 expected_cross_vfr: unknown key",
    ]);
  });

  it("lists the allowed values of an enum and shows what was written", () => {
    expect(problems("hooks:\n  tc: tcx-please\n")).toEqual([
      "2:7 hooks.tc: must be one of auto, tcx, legacy (got tcx-please)",
    ]);
  });

  it("points into lists and at fields that are missing", () => {
    expect(problems("expected_cross_vrf:\n  - from: red\n    to: blue\n  - from: red\n")).toEqual([
      "4:5 expected_cross_vrf[1].to: required but missing",
    ]);
    expect(problems("expected_cross_vrf:\n  - { from: red, to: red }\n")).toEqual([
      "2:5 expected_cross_vrf[0]: from and to are the same VRF; traffic inside one VRF is never flagged",
    ]);
    expect(problems("expected_cross_vrf:\n  - { from: a-name-far-too-long-for-a-device, to: red }\n")[0]).toMatch(
      /^2:13 expected_cross_vrf\[0\]\.from: not a network device name/,
    );
    expect(problems("hooks:\n  drops: 'yes'\n")).toEqual([
      "2:10 hooks.drops: expected boolean, received string (got 'yes')",
    ]);
  });

  it("reports a YAML syntax error with its line", () => {
    expect(problems("hooks:\n  tc: auto\n drops: true\n")).toEqual([
      "3:1 : All mapping items must start at the same column",
    ]);
    try {
      parseAgentConfig("namespaces: [a, b\n", "/etc/vrf-agent/agent.yml");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^\/etc\/vrf-agent\/agent\.yml:\d+:\d+: \S/);
    }
  });

  it("refuses a key given twice", () => {
    expect(problems("namespaces: [a]\nnamespaces: [b]\n")).toEqual([
      expect.stringMatching(/^2:1 : Map keys must be unique/),
    ]);
  });

  it("loads from a file and says why a file cannot be read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vrf-agent-config-"));
    try {
      const file = join(dir, "agent.yml");
      await writeFile(file, "namespaces: [tenant-a, tenant-a]\n");
      expect((await loadAgentConfig(file)).namespaces).toEqual(["tenant-a"]);
      await expect(loadAgentConfig(join(dir, "missing.yml"))).rejects.toThrow(
        `${dir}/missing.yml: cannot read: no such file`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
