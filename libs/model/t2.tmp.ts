import * as tf from '@tensorflow/tfjs-core';
import { resolveBackend } from './src/backend';
import { createModel } from './src/model';
import { lossAndGradients } from './src/gradients';
import { oneHotTargets } from './src/losses';
async function main() {
  await resolveBackend({ log: () => {} });
  const fm = JSON.parse(process.argv[2] ?? '[32,64]');
  const m = createModel({ featureMaps: fm, useSkip: true }, 20, 1);
  const x = tf.randomUniform([32, 64, 64, 3]) as tf.Tensor4D;
  const t = oneHotTargets(Array.from({ length: 32 }, (_, i) => i % 20), 20);
  tf.dispose(lossAndGradients(m, x, t, { loss: 'cross-entropy' }) as unknown as tf.TensorContainer);
  const t0 = Date.now();
  const prof = await tf.profile(() => { const r = lossAndGradients(m, x, t, { loss: 'cross-entropy' }); return r.loss; });
  console.log('total', Date.now() - t0);
  const agg = new Map<string, number>();
  const rows: [string, number][] = [];
  for (const k of prof.kernels) {
    const ms = (await k.kernelTimeMs) as number;
    const key = k.name;
    agg.set(key, (agg.get(key) ?? 0) + ms);
    rows.push([`${k.name} ${JSON.stringify(k.inputShapes)}`, ms]);
  }
  console.log([...agg.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v.toFixed(0)}`).join('\n'));
  console.log('---');
  console.log(rows.sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v.toFixed(0)} ${k}`).join('\n'));
}
main();
