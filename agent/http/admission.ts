/**
 * Admission for costly work (bcrypt): so many tasks at once, so many more waiting, and of both
 * at most so many for one key (a client's address), so that one client cannot take every place.
 * What does not fit is refused at once, for the caller to answer quickly: a backlog that grows
 * with the load would make every answer late, the legitimate ones included.
 */

export interface AdmissionLimits {
  running: number;
  waiting: number;
  perKey: number;
}

export class Admission {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly held = new Map<string, number>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** The task's result, or undefined when it was refused without running. */
  async run<T>(key: string, task: () => Promise<T>): Promise<{ value: T } | undefined> {
    const mine = this.held.get(key) ?? 0;
    if (mine >= this.limits.perKey) return undefined;
    const mustWait = this.running >= this.limits.running;
    if (mustWait && this.queue.length >= this.limits.waiting) return undefined;
    this.held.set(key, mine + 1);
    try {
      // A finished task hands its place straight to the first waiting one, so `running` stays counted.
      if (mustWait) await new Promise<void>((resolve) => this.queue.push(resolve));
      else this.running += 1;
      try {
        return { value: await task() };
      } finally {
        const next = this.queue.shift();
        if (next) next();
        else this.running -= 1;
      }
    } finally {
      const left = (this.held.get(key) ?? 1) - 1;
      if (left === 0) this.held.delete(key);
      else this.held.set(key, left);
    }
  }
}
