/**
 * The one error type an operator sees: what went wrong and what to do, printed as one line
 * (`vrf-agent <command>: <message>`) with its exit code: 1 for a runtime failure, 2 for usage
 * and configuration. Every module's own error (config, listen, inventory) is one of these, and
 * the CLI's last resort (`oneLine`) words whatever else escapes, so nothing ends in a stack trace.
 */
export type ExitCode = 1 | 2;

export class OperatorError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "OperatorError";
  }
}

/** Node's fs messages repeat the path and the syscall; an operator needs the reason and the path. */
const systemReasons: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a parent is not a folder",
  EROFS: "read-only file system",
  ENOSPC: "no space left",
};

export function systemReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? systemReasons[code] : undefined;
}

/**
 * An operator's line for any failure: an OperatorError as it is; a kernel or file-system failure
 * by its reason and where it happened; anything else is a bug, said as such (without the stack:
 * `VRF_AGENT_DEBUG=1` prints it).
 */
export function oneLine(error: unknown): { message: string; exitCode: ExitCode } {
  if (error instanceof OperatorError) return { message: error.message, exitCode: error.exitCode };
  // The addon's BpfError (agent/native.ts): "<op>: <reason> (<context>)", then libbpf's log.
  if (error instanceof Error && error.name === "BpfError")
    return { message: error.message.split("\n")[0] ?? error.message, exitCode: 1 };
  const reason = systemReason(error);
  if (reason !== undefined) {
    const { syscall, path } = error as { syscall?: string; path?: string };
    return { message: `${reason}${syscall ? ` (${syscall}${path ? ` ${path}` : ""})` : ""}`, exitCode: 1 };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { message: `unexpected error (please report it): ${text.split("\n")[0]}`, exitCode: 1 };
}
