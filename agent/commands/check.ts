/** `vrf-agent check`: one line per capability the agent needs, and what follows from it. */
import { checkConfigs, runChecks, type Verdict } from "../check.js";
import { loadNative } from "../native.js";
import { type Colours, coloursFor } from "./colours.js";
import { Command, parseCommand, pinPathOption, usage } from "./options.js";

const marks = (pc: Colours): Record<Verdict, string> => ({
  ok: pc.green("ok      "),
  degraded: pc.yellow("degraded"),
  fail: pc.red("FAIL    "),
});

export async function runCheckCommand(argv: string[]): Promise<number> {
  const program = pinPathOption(
    new Command("vrf-agent check")
      .description("Says what works on this machine and what will not, and whether the config files given are valid.")
      .option("--config.file <path>", "an agent config to validate, as the daemon would read it")
      .option("--web.config.file <path>", "a web config to validate, with the certificates and keys it names"),
  );
  const parsed = parseCommand<{ "bpf.pinPath": string; "config.file"?: string; "web.config.file"?: string }>(
    program,
    argv,
  );
  if (!parsed.ok) return usage(parsed);
  const { "config.file": configFile, "web.config.file": webConfigFile } = parsed.options;
  const results = [
    ...(await checkConfigs({ ...(configFile && { configFile }), ...(webConfigFile && { webConfigFile }) })),
    ...(await runChecks(loadNative(), parsed.options["bpf.pinPath"])),
  ];
  const mark = marks(coloursFor(process.stdout));
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) process.stdout.write(`${mark[r.verdict]}  ${r.name.padEnd(width)}  ${r.detail}\n`);
  const failed = results.filter((r) => r.verdict === "fail").length;
  const degraded = results.filter((r) => r.verdict === "degraded").length;
  process.stdout.write(
    failed > 0
      ? `\nThe agent cannot run here: ${failed} check(s) failed.\n`
      : `\nThe agent can run here${degraded > 0 ? `, without what ${degraded} degraded check(s) name` : ""}.\n`,
  );
  return failed > 0 ? 1 : 0;
}
