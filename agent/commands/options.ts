/** Small flag parsing shared by the subcommands: their flags are few and take one value each. */
import { Command, InvalidArgumentError, type OptionValues } from "commander";

/** Parses argv with a commander program the caller described; returns its options or a one-line error. */
export function parseCommand<T extends OptionValues>(
  program: Command,
  argv: string[],
): { ok: true; options: T } | { ok: false; code: number; text: string } {
  const printed: string[] = [];
  program
    .exitOverride()
    .configureOutput({ writeOut: (text) => printed.push(text), writeErr: (text) => printed.push(text) });
  try {
    program.parse(argv, { from: "user" });
    return { ok: true, options: program.opts<T>() };
  } catch (error) {
    if ((error as { exitCode?: number }).exitCode === 0) return { ok: false, code: 0, text: printed.join("") };
    // A usage error in the CLI's one-line form, `vrf-agent status: option ... is invalid. why`.
    // commander puts its "(Did you mean ...?)" on a line of its own.
    const message = (error instanceof Error ? error.message : String(error))
      .replace(/^error: /, "")
      .replace(/\n/g, " ");
    return { ok: false, code: 2, text: `${program.name()}: ${message}` };
  }
}

export const pinPathOption = (program: Command) =>
  program.option("--bpf.pin-path <path>", "where the agent pins its maps", "/sys/fs/bpf/vrf-agent");

export function usage(result: { code: number; text: string }): number {
  (result.code === 0 ? process.stdout : process.stderr).write(
    result.text.endsWith("\n") ? result.text : `${result.text}\n`,
  );
  return result.code;
}

export { Command, InvalidArgumentError };
