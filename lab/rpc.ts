/**
 * The control protocol between the host and the lab guest: one JSON object per line over a
 * virtio-serial port, so control keeps working whatever a test does to the guest's network.
 */

export type Request =
  | { id: number; op: "ping" }
  | { id: number; op: "exec"; argv: string[]; input?: string; timeoutMs?: number }
  | { id: number; op: "spawn"; name: string; argv: string[] }
  /** Sends a signal (SIGTERM by default) to a spawned process; waits for its exit unless `wait` is false. */
  | { id: number; op: "kill"; name: string; signal?: NodeJS.Signals; wait?: boolean }
  | { id: number; op: "shutdown" };

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** How a spawned process ended. */
export interface ExitResult {
  exitCode: number | null;
  signal: string | null;
}

export type Response =
  | { id: number; ok: true; result?: ExecResult | ExitResult | { uptimeSeconds: number } }
  | { id: number; ok: false; error: string };

/** Name of the virtio-serial port, as qemu announces it to the guest. */
export const controlPortName = "lab.ctl";

/** Splits a byte stream into lines and hands over each complete one. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let pending = "";
  return (chunk) => {
    pending += chunk;
    let end = pending.indexOf("\n");
    while (end >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (line.trim() !== "") onLine(line);
      end = pending.indexOf("\n");
    }
  };
}
