/**
 * Coalesces bursts of change notices into one call: `fire` runs `quietMs` after the last
 * notice, but never later than `maxWaitMs` after the first, so steady churn (a routing daemon
 * installing a table) still gets read now and then instead of never.
 */
export interface Debouncer {
  notify(): void;
  cancel(): void;
}

export function debounce(fire: () => void, quietMs: number, maxWaitMs: number): Debouncer {
  let timer: NodeJS.Timeout | undefined;
  let firstAt = 0;
  const run = () => {
    timer = undefined;
    fire();
  };
  return {
    notify() {
      const now = performance.now();
      if (timer === undefined) firstAt = now;
      else clearTimeout(timer);
      timer = setTimeout(run, Math.max(0, Math.min(quietMs, firstAt + maxWaitMs - now)));
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
