/**
 * Attack benchmark: how fast the notebook's attacks run on the `[32, 64]` CNN at 64x64x3,
 * batch 32, 20 classes, random weights and images, on the resolved tensor backend; and, when
 * Debian's PyTorch is importable from `/usr/bin/python3`, the same PGD in PyTorch (2 threads)
 * measured in the same run.
 *
 * - `pgd20_img_s`: images per second through PGD-20 (L-infinity, 8/255, step 0.002, random
 *   start, evaluation mode): 20 input-gradient passes per image.
 * - `advtrain_img_s`, `advtrain_seconds`: one epoch of PGD-10 adversarial training over
 *   `batches` batches (attack + training step per batch; the trainer's worker threads), up to
 *   its last training step (the per-epoch validation is not timed).
 * - `torch_pgd20_img_s`, `pgd20_torch_ratio`: the PyTorch reference and ours / torch.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { adversarialTrain, modelClassifier, pgd } from '@advlab/attacks';
import { createModel, createStepRunner, LabeledBatch, resolveBackend, Rng } from '@advlab/model';

const BATCH = 32;
const SIZE = 64;
const CLASSES = 20;
const NET = [32, 64];
const PYTHON = '/usr/bin/python3';

/** Options of {@link benchAttacks}. */
export interface AttackBenchOptions {
  readonly json?: boolean;
  /** Timed PGD-20 batches (ours and torch). Default 2. */
  readonly iterations?: number;
  /** Batches in the adversarial-training epoch. Default 3. */
  readonly batches?: number;
  /** Training threads, or `auto` (default, as the trainer). */
  readonly workers?: number | 'auto';
  /** Skip the PyTorch reference. */
  readonly noTorch?: boolean;
}

/** Runs the attack benchmark; prints a readable report unless `json` is set. */
export async function benchAttacks(opts: AttackBenchOptions = {}): Promise<Record<string, number>> {
  const log = (msg: string): void => {
    if (!opts.json) console.log(msg);
  };
  const iterations = opts.iterations ?? 2;
  const batches = opts.batches ?? 3;
  const backend = await resolveBackend({ log });
  const rng = new Rng(11);
  const images = (n: number) => tf.tensor4d(Float32Array.from({ length: n * SIZE * SIZE * 3 }, () => rng.uniform()), [n, SIZE, SIZE, 3]);
  const labels = (n: number) => Int32Array.from({ length: n }, () => rng.int(CLASSES));
  const result: Record<string, number> = {};

  const model = createModel({ featureMaps: NET, imageSize: SIZE }, CLASSES, 1);
  try {
    const classifier = modelClassifier(model);
    const x = images(BATCH);
    const y = labels(BATCH);
    (await pgd(classifier, x, y, { steps: 1 })).xAdv.dispose();
    let t = performance.now();
    for (let i = 0; i < iterations; i++) (await pgd(classifier, x, y, { steps: 20, seed: i })).xAdv.dispose();
    result.pgd20_img_s = round((BATCH * iterations * 1000) / (performance.now() - t));
    x.dispose();
    log(`attacks: PGD-20 on ${JSON.stringify(NET)} at ${SIZE}x${SIZE} (${backend.name}): ${result.pgd20_img_s} img/s`);

    const trainSet = Array.from({ length: batches }, () => ({ x: images(BATCH), y: labels(BATCH) }));
    const val = { x: images(BATCH), y: labels(BATCH) };
    const copy = (b: { x: tf.Tensor4D; y: Int32Array }): LabeledBatch => ({ x: tf.clone(b.x), labels: b.y });
    const runner = await createStepRunner(model, { workers: opts.workers ?? 'auto', batchSize: BATCH });
    let lastStep = 0;
    t = performance.now();
    await adversarialTrain(
      model,
      {
        train: async function* () {
          for (const b of trainSet) yield copy(b);
        },
        validation: async function* () {
          yield copy(val);
        },
        batchesPerEpoch: batches,
      },
      { epochs: 1, attack: 'pgd', steps: 10, robustImages: BATCH, robustSteps: 1 },
      { runner, onBatch: () => void (lastStep = performance.now()) },
    );
    await runner.close();
    const seconds = (lastStep - t) / 1000;
    result.advtrain_seconds = round(seconds);
    result.advtrain_img_s = round((batches * BATCH) / seconds);
    tf.dispose([...trainSet.map((b) => b.x), val.x]);
    log(`attacks: one epoch of PGD-10 adversarial training, ${batches} batches of ${BATCH} (${runner.workers} training thread${runner.workers > 1 ? 's' : ''}): ${result.advtrain_seconds} s, ${result.advtrain_img_s} img/s`);
  } finally {
    model.dispose();
  }

  const torch = opts.noTorch ? null : await torchReference(iterations);
  if (torch !== null) {
    result.torch_pgd20_img_s = torch;
    result.pgd20_torch_ratio = Math.round((result.pgd20_img_s / torch) * 100) / 100;
    log(`attacks: torch PGD-20 (2 threads): ${torch} img/s; ours/torch ${result.pgd20_torch_ratio}`);
  } else if (!opts.noTorch) {
    log(`attacks: torch not measured (${PYTHON} cannot import torch)`);
  }
  return result;
}

async function torchReference(iterations: number): Promise<number | null> {
  const run = promisify(execFile);
  try {
    await run(PYTHON, ['-c', 'import torch']);
  } catch {
    return null;
  }
  const script = path.join(__dirname, 'torch_pgd.py');
  const { stdout } = await run(PYTHON, [script, '--threads', '2', '--iterations', String(iterations), '--nets', JSON.stringify(NET)], { maxBuffer: 1 << 20 });
  const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { pgd20_img_s?: Record<string, number> };
  return out.pgd20_img_s?.[JSON.stringify(NET)] ?? null;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (require.main === module) {
  benchAttacks({ json: process.argv.includes('--json') }).then((r) => {
    if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  });
}
