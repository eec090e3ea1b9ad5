import * as tf from '@tensorflow/tfjs-core';
import { Batch, BatchLoader } from './batches';
import { randomDataset, useCpuBackend } from './testing';

async function collect(it: AsyncIterable<Batch>, keep = false): Promise<Array<{ indices: number[]; labels: number[]; shape: number[]; data?: Float32Array }>> {
  const out = [];
  for await (const b of it) {
    out.push({ indices: Array.from(b.indices), labels: Array.from(b.labels), shape: b.x.shape, data: keep ? (b.x.dataSync() as Float32Array) : undefined });
    b.x.dispose();
  }
  return out;
}

describe('BatchLoader', () => {
  beforeAll(useCpuBackend);
  const ds = randomDataset(70, 6, 4);

  it('serves every row once per epoch, shuffled from the seed, as [n, h, w, 3] float batches in [0, 1]', async () => {
    const loader = new BatchLoader(ds, { batchSize: 32, seed: 9 });
    expect(loader.batchesPerEpoch).toBe(3);
    const before = tf.memory().numTensors;
    const e0 = await collect(loader.trainBatches(0), true);
    expect(tf.memory().numTensors).toBe(before);
    expect(e0.map((b) => b.shape)).toEqual([
      [32, 6, 6, 3],
      [32, 6, 6, 3],
      [6, 6, 6, 3],
    ]);
    const rows = e0.flatMap((b) => b.indices);
    expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: 70 }, (_, i) => i));
    expect(rows).not.toEqual(Array.from({ length: 70 }, (_, i) => i));
    for (const b of e0) expect(b.labels).toEqual(b.indices.map((i) => ds.labels[i]));
    for (const b of e0) for (const v of b.data ?? []) expect(v >= 0 && v <= 1).toBe(true);

    const again = await collect(new BatchLoader(ds, { batchSize: 32, seed: 9, prefetch: 0 }).trainBatches(0), true);
    expect(again).toEqual(e0);
    const e1 = await collect(loader.trainBatches(1));
    expect(e1.flatMap((b) => b.indices)).not.toEqual(rows);
  });

  it('augments training batches only; evaluation keeps order and exact pixel values', async () => {
    const loader = new BatchLoader(ds, { batchSize: 16 });
    const evalBatches = await collect(loader.evalBatches(), true);
    expect(evalBatches.flatMap((b) => b.indices)).toEqual(Array.from({ length: 70 }, (_, i) => i));
    const first = evalBatches[0].data as Float32Array;
    for (let k = 0; k < 100; k++) expect(first[k]).toBeCloseTo(ds.pixels[k] / 255, 6);

    const plain = new BatchLoader(ds, { batchSize: 16, augment: false });
    const [a] = await collect(plain.trainBatches(0), true);
    const [b] = await collect(loader.trainBatches(0), true);
    expect(a.indices).toEqual(b.indices);
    expect(a.data).not.toEqual(b.data);
    const rows = a.indices;
    const expected = new Float32Array(rows.length * 108);
    rows.forEach((r, k) => expected.set(Array.from(ds.pixels.subarray(r * 108, (r + 1) * 108), (v) => v / 255), k * 108));
    expect(a.data).toEqual(expected);
  });

  it('prepares the next batches ahead while the consumer awaits, and disposes them on early exit', async () => {
    const loader = new BatchLoader(ds, { batchSize: 8, prefetch: 2 });
    const before = tf.memory().numTensors;
    const it = loader.trainBatches(0);
    const first = await it.next();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    // The consumer holds one batch; two more are ready.
    expect(tf.memory().numTensors).toBe(before + 3);
    (first.value as Batch).x.dispose();
    await it.return(undefined);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('drops the last short batch on request and validates options', async () => {
    const loader = new BatchLoader(ds, { batchSize: 32, dropLast: true });
    expect((await collect(loader.trainBatches(0))).map((b) => b.shape[0])).toEqual([32, 32]);
    expect(() => new BatchLoader(ds, { batchSize: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});
