#!/usr/bin/env node
import { runCheckCommand } from "./commands/check.js";
import { runCleanupCommand } from "./commands/cleanup.js";
import { runStatusCommand } from "./commands/status.js";
import { parseFlags } from "./config/flags.js";
/**
 * The `vrf-agent` command: the daemon by default, and `status`, `check`, `cleanup`. It only
 * routes: each command lives in its own module. Expected failures print one line and exit
 * with 1 (runtime) or 2 (usage and configuration), never a stack trace.
 */
import { ConfigError } from "./config/yaml-file.js";
import { Fatal, serve } from "./daemon.js";
import { ListenError } from "./http/server.js";
import { InventoryError } from "./inventory/index.js";
import { Logger } from "./log/logger.js";
import { version } from "./version.js";

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  status: runStatusCommand,
  check: runCheckCommand,
  cleanup: runCleanupCommand,
};

const subcommandHelp = `
Commands:
  vrf-agent [flags]     run the agent: watch VRFs, count their traffic, serve /metrics
  vrf-agent status      the running agent's view: VRFs, members, rates, drops, leaks
  vrf-agent check       what works on this machine and what will not
  vrf-agent cleanup     remove everything the agent made (pinned counters, tc filters)
Run "vrf-agent <command> --help" for a command's flags.
`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] && commands[argv[0]];
  if (command) return command(argv.slice(1));
  const parsed = parseFlags(argv, { name: "vrf-agent", version });
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`vrf-agent: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof Fatal || error instanceof ListenError || error instanceof InventoryError) {
      process.stderr.write(`vrf-agent: ${error.message}\n`);
      process.exit(error instanceof Fatal ? error.exitCode : 1);
    }
    // Anything else is a bug: say so, with what is needed to report it.
    process.stderr.write(
      `vrf-agent: unexpected error (please report it): ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
