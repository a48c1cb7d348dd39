/**
 * The `vrf-agent` command: the daemon by default, and `status`, `check`, `cleanup`, `inventory`. It only
 * routes: each command lives in its own module. Every failure, whichever command it comes from,
 * ends here as one line and an exit code (1 runtime, 2 usage and configuration), never a stack trace.
 */
import { runCheckCommand } from "./commands/check.js";
import { runCleanupCommand } from "./commands/cleanup.js";
import { runInventoryCommand } from "./commands/inventory.js";
import { runStatusCommand } from "./commands/status.js";
import { parseFlags } from "./config/flags.js";
import { serve } from "./daemon.js";
import { Logger } from "./log/logger.js";
import { oneLine } from "./operator-error.js";
import { versionText } from "./version.js";

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  status: runStatusCommand,
  check: runCheckCommand,
  cleanup: runCleanupCommand,
  inventory: runInventoryCommand,
};

const subcommandHelp = `
Commands:
  vrf-agent [flags]     run the agent: watch VRFs, count their traffic, serve /metrics
  vrf-agent status      the running agent's view: VRFs, members, rates, drops, leaks
  vrf-agent check       what works on this machine and what will not
  vrf-agent cleanup     remove everything the agent made (pinned counters, tc filters)
  vrf-agent inventory   what the agent sees of a namespace (VRFs, members, routes, rules), as JSON
Run "vrf-agent <command> --help" for a command's flags.
`;

async function runDaemon(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, { name: "vrf-agent", versionText: versionText("vrf-agent") });
  if (parsed.kind === "error") {
    process.stderr.write(`vrf-agent: ${parsed.message}\n`);
    return 2;
  }
  if (parsed.kind !== "run") {
    // commander's text already ends in a newline.
    process.stdout.write(parsed.kind === "help" ? `${parsed.text}${subcommandHelp}` : parsed.text);
    return 0;
  }
  const log = new Logger({ level: parsed.options.logLevel, format: parsed.options.logFormat });
  return serve(parsed.options, log);
}

const argv = process.argv.slice(2);
const name = argv[0] !== undefined && Object.hasOwn(commands, argv[0]) ? argv[0] : undefined;
const run = name ? (commands[name] as (argv: string[]) => Promise<number>)(argv.slice(1)) : runDaemon(argv);
run.then(
  (code) => process.exit(code),
  (error: unknown) => {
    const { message, exitCode } = oneLine(error);
    process.stderr.write(`vrf-agent${name ? ` ${name}` : ""}: ${message}\n`);
    if (process.env.VRF_AGENT_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(exitCode);
  },
);
