import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@advlab/model';
import { apgd } from './apgd';
import { modelClassifier } from './classifier';
import { pgd } from './pgd';
import { square } from './square';
import { uniformArray, useTestBackend } from './testing';

beforeAll(useTestBackend);

// The tensor backends compute synchronously: an attack must hand the event loop back between its
// iterations, or a service running one would write no progress and see no cancellation until it ends.
describe('attacks let the event loop run', () => {
  let model: ReturnType<typeof createModel>;
  let classifier: ReturnType<typeof modelClassifier>;
  let x: tf.Tensor4D;
  const labels = [0, 1, 2, 0];
  beforeAll(() => {
    model = createModel({ featureMaps: [4, 8], imageSize: 16 }, 3, 1);
    classifier = modelClassifier(model);
    x = tf.tensor4d(uniformArray(4 * 16 * 16 * 3, 5), [4, 16, 16, 3]);
  });
  afterAll(() => {
    x.dispose();
    model.dispose();
  });

  const attacks = {
    pgd: (signal?: AbortSignal) => pgd(classifier, x, labels, { steps: 40, signal }),
    apgd: (signal?: AbortSignal) => apgd(classifier, x, labels, { steps: 40, signal }),
    square: (signal?: AbortSignal) => square(classifier, x, labels, { queries: 200, signal }),
  };

  it.each(Object.keys(attacks) as (keyof typeof attacks)[])('%s: timers fire while it runs, and an abort from one stops it', async (name) => {
    let ticks = 0;
    const tick = () => {
      ticks++;
      timer = setImmediate(tick);
    };
    let timer = setImmediate(tick);
    const result = await attacks[name]();
    clearImmediate(timer);
    result.xAdv.dispose();
    // One turn of the event loop per iteration at least (40 steps, or up to 200 queries).
    expect(ticks).toBeGreaterThanOrEqual(20);

    const controller = new AbortController();
    setImmediate(() => controller.abort(new Error('stopped by a timer')));
    const before = tf.memory().numTensors;
    await expect(attacks[name](controller.signal)).rejects.toThrow('stopped by a timer');
    expect(tf.memory().numTensors).toBe(before);
  });
});
