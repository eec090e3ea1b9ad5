import { availableParallelism } from 'node:os';
import { DataError } from './errors';

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight, in item order of start.
 * sharp decodes on libuv's thread pool, so a few promises in flight keep every core busy.
 * Rejects with `DataError('ABORTED')` once `signal` is aborted.
 */
export async function forEachConcurrent<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (signal?.aborted) throw new DataError('ABORTED', 'import cancelled');
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/** Default number of decodes in flight: twice the cores, measured best on 2 cores. */
export function defaultConcurrency(): number {
  return 2 * availableParallelism();
}
