import { resourceExhausted } from './errors';

/** Options of a {@link WorkPool}. */
export interface WorkPoolOptions {
  /** Jobs running at once. */
  readonly concurrency: number;
  /** Jobs waiting for a slot; one more is refused with RESOURCE_EXHAUSTED. 0 refuses as soon as every slot is taken. */
  readonly maxWaiting: number;
  /** What a job is called in messages, e.g. "evaluation". */
  readonly what: string;
}

/**
 * A bounded pool of slots for expensive requests (evaluations, attacks, predictions): at most
 * `concurrency` run, at most `maxWaiting` wait in order, and any further request is refused
 * at once with RESOURCE_EXHAUSTED saying how many are ahead, so a burst of clients cannot
 * pile up work or memory without bound. A waiting request whose client leaves gives up
 * its place.
 */
export class WorkPool {
  private running = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(readonly options: WorkPoolOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error(`${options.what} concurrency must be an integer >= 1`);
    if (!Number.isInteger(options.maxWaiting) || options.maxWaiting < 0) throw new Error(`${options.what} queue must be an integer >= 0`);
  }

  /** Jobs running now. */
  get active(): number {
    return this.running;
  }

  /** Jobs waiting now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Waits for a slot and returns its release function (call it exactly once, in a `finally`).
   * Rejects with RESOURCE_EXHAUSTED when the queue is full, and with the signal's reason when
   * the caller gives up while waiting.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    if (this.running < this.options.concurrency) {
      this.running++;
      return this.releaser();
    }
    if (this.waiting.length >= this.options.maxWaiting) {
      const { concurrency, what } = this.options;
      throw resourceExhausted(
        `too busy: ${this.running} ${what}${this.running === 1 ? '' : 's'} running and ${this.waiting.length} waiting (at most ${concurrency} run and ${this.options.maxWaiting} wait); try again shortly`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
    return this.releaser();
  }

  /** Runs `fn` in a slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line; otherwise it frees up.
      if (next) next.grant();
      else this.running--;
    };
  }
}
