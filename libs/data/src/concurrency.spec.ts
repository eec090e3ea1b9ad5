import { forEachConcurrent } from './concurrency';

describe('forEachConcurrent', () => {
  it('runs at most `concurrency` calls at once and visits every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrent([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(item);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('rejects with the first error only after every call in flight has settled, and starts no new ones', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    const run = forEachConcurrent([0, 1, 2, 3, 4, 5], 3, async (item) => {
      started.push(item);
      if (item === 0) throw new Error('first fails');
      await new Promise((r) => setTimeout(r, 30));
      finished.push(item);
    });
    await expect(run).rejects.toThrow('first fails');
    // Items 1 and 2 were in flight when item 0 failed: they finished before the rejection.
    expect(finished.sort()).toEqual([1, 2]);
    expect(started.sort()).toEqual([0, 1, 2]);
  });

  it('stops with ABORTED once the signal is aborted', async () => {
    const controller = new AbortController();
    const done: number[] = [];
    const run = forEachConcurrent([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      if (item === 2) controller.abort();
      await new Promise((r) => setTimeout(r, 5));
      done.push(item);
    }, controller.signal);
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(done.length).toBeLessThan(8);
  });
});
