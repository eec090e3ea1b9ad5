/**
 * The bridge from code that pushes (a job's events, an import's progress, an attack's steps)
 * to a consumer that pulls (an `async *` handler, a `for await` loop): the one push-to-pull
 * helper of the services.
 *
 * - `push` never blocks: the item waits in the queue;
 * - `replace` keeps only the latest of a kind (progress), dropping queued items that match;
 * - `offer` waits until the consumer has taken the item: a producer that must not run ahead of
 *   its reader (a live attack's steps) awaits it;
 * - `end` finishes the stream after the queued items, with an error to throw to the consumer
 *   if there was one. A consumer that stops early (`break`, `return`) ends it too, and releases
 *   every producer waiting in `offer`.
 */
export class PushStream<T> implements AsyncIterable<T> {
  private readonly items: Array<{ item: T; taken?: () => void }> = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((err: unknown) => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  /** Queues `item` for the consumer. Ignored once the stream has ended. */
  push(item: T): void {
    this.enqueue({ item });
  }

  /** Drops every queued item matching `stale`, then queues `item`: only the latest of a kind waits. */
  replace(stale: (queued: T) => boolean, item: T): void {
    for (let i = this.items.length - 1; i >= 0; i--) {
      if (stale(this.items[i].item)) this.items.splice(i, 1)[0].taken?.();
    }
    this.push(item);
  }

  /** Queues `item` and resolves once the consumer has taken it (or the stream has ended). */
  offer(item: T): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise<void>((taken) => this.enqueue({ item, taken }));
  }

  /** Ends the stream after the queued items; the consumer's loop then throws `error` when given. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    if (!this.items.length) this.finish();
  }

  /** Items waiting to be read. */
  get size(): number {
    return this.items.length;
  }

  /** Whether the stream has ended (no more items will be accepted). */
  get closed(): boolean {
    return this.ended;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const head = this.items.shift();
        if (head) {
          head.taken?.();
          return Promise.resolve({ value: head.item, done: false });
        }
        if (this.ended) return this.failure ? Promise.reject(this.failure.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
      return: () => {
        // The consumer left: nothing more is delivered, and producers waiting on offers go on.
        this.ended = true;
        this.failure = undefined;
        for (const queued of this.items.splice(0)) queued.taken?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private enqueue(entry: { item: T; taken?: () => void }): void {
    if (this.ended) {
      entry.taken?.();
      return;
    }
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      entry.taken?.();
      resolve({ value: entry.item, done: false });
      return;
    }
    this.items.push(entry);
  }

  /** Wakes a waiting consumer once the stream has ended and drained. */
  private finish(): void {
    if (!this.waiting || this.items.length) return;
    const [resolve, reject] = [this.waiting, this.failWaiting];
    this.waiting = this.failWaiting = undefined;
    if (this.failure) reject?.(this.failure.error);
    else resolve({ value: undefined, done: true });
  }
}
