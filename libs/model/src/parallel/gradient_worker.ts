import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../backend';
import { lossAndGradients, readBatchStats } from '../gradients';
import { Model } from '../model';
import { tidyResult } from '../ops/tidy';
import { FromWorker, ToWorker } from './protocol';

/**
 * A gradient worker: holds a copy of the model on its own backend instance and, per step,
 * loads the parameters it is sent and returns the loss and gradients of its shard.
 */
let model: Model | null = null;
const port = parentPort;
if (!port) throw new Error('gradient_worker must run in a worker thread');

const reply = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

port.on('message', async (msg: ToWorker) => {
  try {
    if (msg.type === 'init') {
      await useBackend(msg.backend);
      model = new Model(msg.config, msg.numClasses);
      reply({ type: 'ready' });
    } else if (msg.type === 'step') {
      if (!model) throw new Error('step before init');
      const m = model;
      m.setWeights(msg.params);
      const size = m.config.imageSize;
      const out = tidyResult(() => {
        const x = tf.tensor4d(msg.x, [msg.n, size, size, 3]);
        const targets = tf.tensor2d(msg.targets, [msg.n, m.numClasses]);
        const imageIds = Int32Array.from({ length: msg.n }, (_, i) => msg.firstImage + i);
        const r = lossAndGradients(m, x, targets, { loss: msg.loss, dropoutSeed: msg.dropoutSeed, imageIds });
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(r.logits, 1), tf.argMax(targets, 1)), 'int32'));
        return { loss: r.loss, correct, grads: r.grads, batchStats: r.batchStats };
      });
      const grads: Record<string, Float32Array> = {};
      for (const [name, g] of Object.entries(out.grads)) grads[name] = g.dataSync() as Float32Array;
      const loss = out.loss.dataSync()[0];
      const correct = out.correct.dataSync()[0];
      tf.dispose([out.loss, out.correct, ...Object.values(out.grads)]);
      const batchStats = readBatchStats(out.batchStats);
      const transfer = Object.values(grads).map((g) => g.buffer as ArrayBuffer);
      reply({ type: 'step', id: msg.id, loss, correct, grads, batchStats }, transfer);
    } else if (msg.type === 'close') {
      model?.dispose();
      model = null;
      port.close();
    }
  } catch (err) {
    reply({ type: 'error', id: msg.type === 'step' ? msg.id : null, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
