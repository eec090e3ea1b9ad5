/**
 * Model benchmark: training and inference throughput of the notebook's CNN at 64x64x3, batch
 * 32, 20 classes, on each tensor backend (onednn and wasm by default) and, when Debian's
 * PyTorch is importable from `/usr/bin/python3`, the same nets in PyTorch (2 threads), all in
 * the same run. Each figure is the median of `repetitions` runs (min and max beside it).
 *
 * - `train_img_s`: full training steps (forward, backward, Adam, BN running statistics) per
 *   second times 32, with the threads the trainer would use (`workers`: worker threads on
 *   wasm; one process with OpenMP threads on onednn).
 * - `infer_img_s`: evaluation-mode forward passes.
 * - `train_ratio`, `infer_ratio`: the backend's median over PyTorch's median.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam, createModel, createStepRunner, describeBackend, oneHotTargets, Rng, useBackend } from '@advlab/model';
import { BenchOptions, DEFAULT_REPETITIONS, figure, loadableBackends, measure, ratio, runTorch, spread } from './common';

const BATCH = 32;
const SIZE = 64;
const CLASSES = 20;
const NETS: readonly number[][] = [
  [32, 64],
  [16, 32, 64],
];

const key = (fm: readonly number[]) => JSON.stringify(fm);

interface TorchModelResult {
  torch: string;
  threads: number;
  train_img_s: Record<string, number>;
  train_img_s_range: Record<string, [number, number]>;
  infer_img_s: Record<string, number>;
  infer_img_s_range: Record<string, [number, number]>;
}

/** Runs the model benchmark; prints a readable report unless `json` is set. Returns figures keyed by backend. */
export async function benchModel(opts: BenchOptions): Promise<Record<string, unknown>> {
  const log = (msg: string): void => {
    if (!opts.json) console.log(msg);
  };
  const warmup = opts.warmup ?? 1;
  const iterations = opts.iterations ?? 2;
  const repetitions = opts.repetitions ?? DEFAULT_REPETITIONS;
  const result: Record<string, Record<string, unknown>> = {};

  for (const backend of await loadableBackends(opts, log)) {
    await useBackend(backend);
    const train: Record<string, number> = {};
    const trainRange: Record<string, [number, number]> = {};
    const infer: Record<string, number> = {};
    const inferRange: Record<string, [number, number]> = {};
    const workers: Record<string, number> = {};
    for (const fm of NETS) {
      const model = createModel({ featureMaps: fm, imageSize: SIZE }, CLASSES, 1);
      const rng = new Rng(7);
      const x = tf.tensor4d(Float32Array.from({ length: BATCH * SIZE * SIZE * 3 }, () => rng.uniform()), [BATCH, SIZE, SIZE, 3]);
      const targets = oneHotTargets(Int32Array.from({ length: BATCH }, () => rng.int(CLASSES)), CLASSES);
      const runner = await createStepRunner(model, { workers: opts.workers ?? 'auto', batchSize: BATCH });
      const adam = new Adam();
      const firstParam = Object.values(model.params)[0];
      let seed = 0;
      const step = async () => {
        const out = await runner.run(model, { x, targets, loss: 'cross-entropy', dropoutSeed: seed++ });
        adam.step(model.params, out.grads, 1e-3);
        tf.dispose(out.grads);
        model.updateRunningStats(out.batchStats);
      };
      const steps = async (n: number) => {
        for (let i = 0; i < n; i++) await step();
        await firstParam.data(); // the update is done (asynchronous backends) before the timer stops
      };
      await steps(warmup);
      const t = figure(spread(await measure(repetitions, BATCH * iterations, () => steps(iterations))));
      train[key(fm)] = t.value;
      trainRange[key(fm)] = t.range;
      workers[key(fm)] = runner.workers;
      await runner.close();

      const forward = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const logits = model.forward(x);
          await logits.data();
          logits.dispose();
        }
      };
      await forward(warmup);
      const f = figure(spread(await measure(repetitions, BATCH * iterations, () => forward(iterations))));
      infer[key(fm)] = f.value;
      inferRange[key(fm)] = f.range;
      log(`model ${key(fm)} (${model.numParameters()} params) on ${describeBackend()}, ${runner.workers} worker${runner.workers > 1 ? 's' : ''}: train ${t.value} img/s [${t.range.join(', ')}], inference ${f.value} img/s [${f.range.join(', ')}]`);
      tf.dispose([x, targets]);
      adam.dispose();
      model.dispose();
    }
    result[backend] = { backend: describeBackend(), workers, train_img_s: train, train_img_s_range: trainRange, infer_img_s: infer, infer_img_s_range: inferRange };
  }

  const torch = opts.noTorch
    ? null
    : await runTorch<TorchModelResult>('torch_bench.py', ['--threads', '2', '--warmup', String(Math.max(1, warmup)), '--iterations', String(iterations), '--repetitions', String(repetitions), '--nets', NETS.map(key).join(';')]);
  if (torch) {
    result.torch = { version: torch.torch, threads: torch.threads, train_img_s: torch.train_img_s, train_img_s_range: torch.train_img_s_range, infer_img_s: torch.infer_img_s, infer_img_s_range: torch.infer_img_s_range };
    for (const fm of NETS) log(`torch ${torch.torch} ${key(fm)} (${torch.threads} threads): train ${torch.train_img_s[key(fm)]} img/s [${torch.train_img_s_range[key(fm)].join(', ')}], inference ${torch.infer_img_s[key(fm)]} img/s [${torch.infer_img_s_range[key(fm)].join(', ')}]`);
    for (const [backend, r] of Object.entries(result)) {
      if (backend === 'torch') continue;
      const tr = r.train_img_s as Record<string, number>;
      const ir = r.infer_img_s as Record<string, number>;
      r.train_ratio = Object.fromEntries(NETS.map((fm) => [key(fm), ratio(tr[key(fm)], torch.train_img_s[key(fm)])]));
      r.infer_ratio = Object.fromEntries(NETS.map((fm) => [key(fm), ratio(ir[key(fm)], torch.infer_img_s[key(fm)])]));
      log(`${backend} / torch: train ${NETS.map((fm) => `${key(fm)} ${(r.train_ratio as Record<string, number>)[key(fm)]}x`).join(', ')}; inference ${NETS.map((fm) => `${key(fm)} ${(r.infer_ratio as Record<string, number>)[key(fm)]}x`).join(', ')}`);
    }
  } else if (!opts.noTorch) {
    log('torch: not measured (/usr/bin/python3 cannot import torch)');
  }
  return result;
}

if (require.main === module) {
  benchModel({ json: process.argv.includes('--json'), noTorch: false }).then((r) => {
    if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  });
}
