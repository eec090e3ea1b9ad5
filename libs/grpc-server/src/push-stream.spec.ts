import { PushStream } from './push-stream';

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

describe('PushStream', () => {
  it('delivers pushed items in order, to a consumer waiting or not, then ends', async () => {
    const s = new PushStream<number>();
    s.push(1);
    const all = collect(s);
    s.push(2);
    await Promise.resolve();
    s.push(3);
    s.end();
    s.push(4);
    expect(await all).toEqual([1, 2, 3]);
  });

  it('keeps only the latest item of a kind with replace', async () => {
    const s = new PushStream<{ kind: string; n: number }>();
    s.push({ kind: 'event', n: 1 });
    for (let n = 2; n < 6; n++) s.replace((q) => q.kind === 'progress', { kind: 'progress', n });
    s.push({ kind: 'event', n: 6 });
    s.end();
    expect((await collect(s)).map((i) => `${i.kind}${i.n}`)).toEqual(['event1', 'progress5', 'event6']);
  });

  it('throws the error it ended with, after the queued items', async () => {
    const s = new PushStream<number>();
    s.push(1);
    s.end(new Error('broken'));
    const seen: number[] = [];
    await expect((async () => {
      for await (const i of s) seen.push(i);
    })()).rejects.toThrow('broken');
    expect(seen).toEqual([1]);
  });

  it('offer waits until the consumer takes the item: a producer cannot run ahead of its reader', async () => {
    const s = new PushStream<number>();
    const taken: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 3; i++) {
        await s.offer(i);
        taken.push(i);
      }
      s.end();
    })();
    await new Promise((r) => setTimeout(r, 20));
    expect(taken).toEqual([]);
    const it = s[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 0, done: false });
    await new Promise((r) => setTimeout(r, 20));
    expect(taken).toEqual([0]);
    expect(await it.next()).toEqual({ value: 1, done: false });
    expect(await it.next()).toEqual({ value: 2, done: false });
    await producer;
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('a consumer that leaves releases the producers waiting on offers', async () => {
    const s = new PushStream<number>();
    const waiting = s.offer(1);
    const it = s[Symbol.asyncIterator]();
    await it.return?.();
    await expect(waiting).resolves.toBeUndefined();
    await expect(s.offer(2)).resolves.toBeUndefined();
    expect(s.closed).toBe(true);
  });
});
