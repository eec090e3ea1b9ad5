import * as tf from '@tensorflow/tfjs-core';
import { trainTinyModel, useWasm, datasetTensor } from './src/testing';
import { pgd } from './src/pgd';
async function main() {
  await useWasm();
  const tiny = await trainTinyModel();
  const { x, labels } = datasetTensor(tiny.test);
  const acc = (p: Int32Array, l: Int32Array) => p.filter((v, i) => v === l[i]).length / l.length;
  for (const o of [{}, { stepSize: 0.004 }, { stepSize: 0.008, steps: 20 }, { loss: 'margin' as const }, { eps: 0.1, stepSize: 0.01 }, { eps: 16 / 255, stepSize: 0.004 }]) {
    const r = await pgd(tiny.classifier, x, labels, o);
    const targets = labels.map((l) => (l + 3) % 10);
    const t = await pgd(tiny.classifier, x, labels, { ...o, targets });
    console.log(JSON.stringify(o), 'untargeted acc', acc(r.predictions, labels), 'targeted hit', acc(t.predictions, targets), 'maxdelta', r.maxAbsDelta);
    tf.dispose([r.xAdv, t.xAdv]);
  }
}
main();
