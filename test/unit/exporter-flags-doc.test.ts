/** Every exporter-convention flag is in `--help` (with its default) and in the README's flags paragraph. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, projectRoot, vrfAgent } from "../support/cli.js";

const flags: [flag: string, inHelp: RegExp][] = [
  [
    "--web.listen-address",
    /--web\.listen-address <address> +Addresses on which .* Repeatable for multiple addresses\..*\(default: :9852\)/,
  ],
  ["--web.systemd-socket", /--web\.systemd-socket +Use systemd socket activation listeners instead of port listeners/],
  [
    "--web.max-requests",
    /--web\.max-requests <n> +Maximum number of parallel scrape requests\. Use 0 to disable\. \(default: 40\)/,
  ],
  ["--web.disable-exporter-metrics", /--web\.disable-exporter-metrics +Exclude metrics about the exporter itself/],
  ["--collector.inventory", /--collector\.inventory +Enable the inventory collector \(default: enabled\)/],
  ["--no-collector.datapath", /--no-collector\.datapath +Disable the datapath collector/],
  ["--collector.agent", /--collector\.agent +Enable the agent collector \(default: enabled\)/],
  ["--collector.drops", /--collector\.drops +Enable the drops hooks \(default: enabled, or the config file's/],
  ["--no-collector.unreachable", /--no-collector\.unreachable +Disable the unreachable hooks/],
];

describe("the exporter flags' documentation", () => {
  let help = "";
  let readme = "";
  beforeAll(async () => {
    assertBuilt();
    help = (await vrfAgent(["--help"])).stdout.replace(/\n {20,}/g, " ");
    readme = await readFile(join(projectRoot, "README.md"), "utf8");
  });

  it.each(flags)("%s is in --help and the README", (flag, inHelp) => {
    expect(help).toMatch(inHelp);
    expect(readme).toContain(`\`${flag.replace(/^--no-/, "--[no-]").replace(/^--collector/, "--[no-]collector")}`);
  });
});
