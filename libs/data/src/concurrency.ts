import { availableParallelism } from 'node:os';
import { DataError } from './errors';

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight, in item order of start.
 * sharp decodes on libuv's thread pool, so a few promises in flight keep every core busy.
 * Rejects with `DataError('ABORTED')` once `signal` is aborted, and with the first error `fn`
 * throws; either way only after every call in flight has settled, so nothing is still running
 * (or writing) when the caller cleans up.
 */
export async function forEachConcurrent<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      if (signal?.aborted) throw new DataError('ABORTED', 'import cancelled');
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** Default number of decodes in flight: twice the cores, measured best on 2 cores. */
export function defaultConcurrency(): number {
  return 2 * availableParallelism();
}
