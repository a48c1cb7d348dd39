/** How the lab's commands start and fail: a lab error is one readable line, never a stack trace. */
import { LabError } from "../errors.js";

export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof LabError ? `lab: ${error.message}` : error);
    process.exit(1);
  });
}

/** A progress printer that stamps each line with seconds since the command started. */
export function progress(): (line: string) => void {
  const started = performance.now();
  return (line) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
}
