import * as tf from '@tensorflow/tfjs-core';
import { createModel, train } from '@advlab/model';
import { loadBundledDataset, BatchLoader, subsetDataset } from '@advlab/data';
import { evenlySpaced, useWasm, datasetBatches, TINY_MODEL_CONFIG } from './src/testing';
import { adversarialTrain } from './src/adversarial_training';
import { evaluateRobustness } from './src/evaluate';
import { modelClassifier } from './src/classifier';
async function main() {
  await useWasm();
  const size = Number(process.argv[2] ?? 28);
  const n = Number(process.argv[3] ?? 1000);
  const { train: tr, test } = await loadBundledDataset({ imageSize: size });
  const sub = subsetDataset(tr, evenlySpaced(tr.count, n));
  const testSub = subsetDataset(test, evenlySpaced(test.count, 200));
  const loader = new BatchLoader(sub, { batchSize: 16, augment: false, seed: 1 });
  const val = new BatchLoader(testSub, { batchSize: 100 });
  const data = { train: (e: number) => loader.trainBatches(e), validation: () => val.evalBatches() };
  const cfg = { epochs: 4, learningRate: 3e-3, lrSchedule: 'cosine' as const, seed: 1 };
  for (const mode of ['pgd']) {
    const m = createModel({ ...TINY_MODEL_CONFIG, imageSize: size }, 10, 1);
    const t = Date.now();
    if (mode === 'standard') await train(m, data, cfg);
    else {
      const r = await adversarialTrain(m, data, { ...cfg, attack: mode as 'pgd', robustImages: 100, steps: 4, stepSize: 0.01 }, {});
      console.log(r.history.map((h) => `${h.valAccuracy?.toFixed(3)}/${h.robustAccuracy.toFixed(3)}/${h.robustSeconds}s`).join(' '), 'best', r.bestEpoch);
    }
    const secs = (Date.now() - t) / 1000;
    const rep = await evaluateRobustness(modelClassifier(m), datasetBatches(testSub, 100), { seed: 3 });
    console.log(mode, size, n, secs, 'clean', rep.cleanAccuracy, 'fgsm', rep.fgsmAccuracy, 'pgd', rep.pgdAccuracy, tf.memory().numTensors);
  }
}
main();
