/**
 * How the inventory runs its commands: a function from a program and its arguments to its
 * stdout, so tests can hand in canned output. The default runs them with execa and turns
 * every failure into an InventoryError a person can act on.
 */
import { basename } from "node:path";
import { ExecaError, execa } from "execa";
import { InventoryError } from "./errors.js";

export type Runner = (file: string, args: string[]) => Promise<string>;

/** Long enough for a busy 2-core machine listing big tables, short enough not to wedge a reconcile. */
const timeoutMs = 15_000;

/** `ip -j` prints about 130 bytes a route: a full Internet table (1M routes) passes the default 100 MB. */
const maxBuffer = 512 * 1024 * 1024;

export const notInstalled = (file: string) =>
  basename(file) === "ip" ? "iproute2's ip is not installed" : `${file} is not installed`;

export const commandLine = (file: string, args: readonly string[]) => [file, ...args].join(" ");

export const execaRunner: Runner = async (file, args) => {
  try {
    const { stdout } = await execa(file, args, {
      stdin: "ignore",
      timeout: timeoutMs,
      maxBuffer,
      stripFinalNewline: false,
    });
    return stdout;
  } catch (error) {
    if (!(error instanceof ExecaError)) throw error;
    if (error.code === "ENOENT") throw new InventoryError(`${notInstalled(file)} (running ${commandLine(file, args)})`);
    const output: unknown = error.stderr;
    const stderr = typeof output === "string" ? output.trim() : "";
    const why = error.timedOut ? `timed out after ${timeoutMs} ms` : stderr || error.shortMessage;
    throw new InventoryError(`${commandLine(file, args)} failed: ${why}`);
  }
};
