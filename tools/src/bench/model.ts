/**
 * Model benchmark: training and inference throughput of the notebook's CNN at 64x64x3,
 * batch 32, 20 classes, on the resolved tensor backend; peak RSS; and, when Debian's
 * PyTorch is importable from `/usr/bin/python3`, the same nets in PyTorch (2 threads)
 * measured in the same run, with the ratios.
 *
 * - `train_img_s`: full training steps (forward, backward, Adam, BN running statistics)
 *   per second times 32, with the worker threads the trainer would use (`workers`).
 * - `infer_img_s`: evaluation-mode forward passes.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { Adam, createModel, createStepRunner, oneHotTargets, resolveBackend, Rng } from '@advlab/model';

const BATCH = 32;
const SIZE = 64;
const CLASSES = 20;
const NETS: readonly number[][] = [
  [32, 64],
  [16, 32, 64],
];
const PYTHON = '/usr/bin/python3';

/** Options of {@link benchModel}. */
export interface ModelBenchOptions {
  readonly json?: boolean;
  /** Untimed steps before timing. Default 1. */
  readonly warmup?: number;
  /** Timed training steps (and inference batches) per net. Default 4. */
  readonly iterations?: number;
  /** Worker threads for training, or `auto` (default, as the trainer). */
  readonly workers?: number | 'auto';
  /** Skip the PyTorch reference. */
  readonly noTorch?: boolean;
}

const key = (fm: readonly number[]) => JSON.stringify(fm);

/** Runs the model benchmark; prints a readable report unless `json` is set. */
export async function benchModel(opts: ModelBenchOptions = {}): Promise<Record<string, unknown>> {
  const log = (msg: string): void => {
    if (!opts.json) console.log(msg);
  };
  const warmup = opts.warmup ?? 1;
  const iterations = opts.iterations ?? 4;
  const backend = await resolveBackend({ log });
  const train: Record<string, number> = {};
  const infer: Record<string, number> = {};
  const workersUsed: Record<string, number> = {};

  for (const fm of NETS) {
    const model = createModel({ featureMaps: fm, imageSize: SIZE }, CLASSES, 1);
    const rng = new Rng(7);
    const x = tf.tensor4d(Float32Array.from({ length: BATCH * SIZE * SIZE * 3 }, () => rng.uniform()), [BATCH, SIZE, SIZE, 3]);
    const targets = oneHotTargets(Int32Array.from({ length: BATCH }, () => rng.int(CLASSES)), CLASSES);
    const runner = await createStepRunner(model, { workers: opts.workers ?? 'auto', batchSize: BATCH });
    const adam = new Adam();
    const step = async (i: number) => {
      const out = await runner.run(model, { x, targets, loss: 'cross-entropy', dropoutSeed: i });
      adam.step(model.params, out.grads, 1e-3);
      tf.dispose(out.grads);
      model.updateRunningStats(out.batchStats);
    };
    for (let i = 0; i < warmup; i++) await step(i);
    let t = performance.now();
    for (let i = 0; i < iterations; i++) await step(warmup + i);
    train[key(fm)] = round((BATCH * iterations * 1000) / (performance.now() - t));
    workersUsed[key(fm)] = runner.workers;
    await runner.close();

    for (let i = 0; i < warmup; i++) tf.tidy(() => void model.forward(x).dataSync());
    t = performance.now();
    for (let i = 0; i < iterations; i++) tf.tidy(() => void model.forward(x).dataSync());
    infer[key(fm)] = round((BATCH * iterations * 1000) / (performance.now() - t));
    log(`model ${key(fm)} (${model.numParameters()} params, ${backend.name}, ${runner.workers} thread${runner.workers > 1 ? 's' : ''}): train ${train[key(fm)]} img/s, inference ${infer[key(fm)]} img/s`);
    tf.dispose([x, targets]);
    adam.dispose();
    model.dispose();
  }

  const result: Record<string, unknown> = {
    backend: backend.name,
    workers: workersUsed,
    train_img_s: train,
    infer_img_s: infer,
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024),
  };
  log(`model: peak RSS ${result.peak_rss_mb} MB`);

  const torch = opts.noTorch ? null : await torchReference(warmup, iterations);
  if (torch) {
    result.torch_version = torch.torch;
    result.torch_train_img_s = torch.train_img_s;
    result.torch_infer_img_s = torch.infer_img_s;
    result.train_ratio = ratios(train, torch.train_img_s);
    result.infer_ratio = ratios(infer, torch.infer_img_s);
    for (const fm of NETS) {
      const k = key(fm);
      log(`torch ${torch.torch} ${k} (2 threads): train ${torch.train_img_s[k]} img/s, inference ${torch.infer_img_s[k]} img/s; ours/torch: train ${(result.train_ratio as Record<string, number>)[k]}, inference ${(result.infer_ratio as Record<string, number>)[k]}`);
    }
  } else if (!opts.noTorch) {
    log(`torch: not measured (${PYTHON} cannot import torch)`);
  }
  return result;
}

interface TorchResult {
  torch: string;
  train_img_s: Record<string, number>;
  infer_img_s: Record<string, number>;
}

async function torchReference(warmup: number, iterations: number): Promise<TorchResult | null> {
  const run = promisify(execFile);
  try {
    await run(PYTHON, ['-c', 'import torch']);
  } catch {
    return null;
  }
  const script = path.join(__dirname, 'torch_bench.py');
  const { stdout } = await run(PYTHON, [script, '--threads', '2', '--warmup', String(Math.max(1, warmup)), '--iterations', String(iterations), '--nets', NETS.map(key).join(';')], { maxBuffer: 1 << 20 });
  const last = stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as TorchResult;
}

function ratios(ours: Record<string, number>, theirs: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(ours).map((k) => [k, Math.round((ours[k] / theirs[k]) * 100) / 100]));
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

if (require.main === module) {
  benchModel({ json: process.argv.includes('--json') }).then((r) => {
    if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  });
}
