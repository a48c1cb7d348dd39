/**
 * What `npm run lab` prints for the operator to paste: run here exactly as printed, through a
 * shell, it must be the agent answering (with a closed port, its one-line "no agent answers"),
 * not an older Node.js failing on the agent's syntax.
 */
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { statusCommand } from "../../../lab/agent.js";
import { assertBuilt, closedPort } from "../../support/cli.js";

describe("the commands npm run lab prints", () => {
  it("run as printed, from a shell whose PATH has no Node.js 24", async () => {
    assertBuilt();
    const url = `http://127.0.0.1:${await closedPort()}/metrics`;
    const result = await execa("sh", ["-c", statusCommand(url)], {
      reject: false,
      env: { PATH: "/usr/bin:/bin", NO_COLOR: "1" },
      extendEnv: false,
    });
    expect(result.stderr).toMatch(new RegExp(`^vrf-agent status: no agent answers at ${url} `));
    expect(result.exitCode).toBe(1);
  });
});
