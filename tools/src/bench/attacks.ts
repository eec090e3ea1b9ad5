/**
 * Attack benchmark on each tensor backend (onednn and wasm by default) and, when Debian's
 * PyTorch is importable from `/usr/bin/python3`, the same work in PyTorch (2 threads), all in
 * the same run:
 *
 * - `pgd20_img_s`: PGD-20 (L-infinity, 8/255, step 0.002, random start, evaluation mode) on 64
 *   random 64x64 images against the `[32, 64]` CNN: images per second, the median of
 *   `repetitions` runs (`pgd20_img_s_range`: min and max).
 * - `advtrain_seconds`, `advtrain_img_s`: one epoch of PGD-10 adversarial training of the
 *   `[32, 64]` CNN on the bundled Fashion-MNIST training set (28x28, batch 32, no augmentation;
 *   `--adv-images` takes the first N images), up to its last training step (the per-epoch
 *   robust check is not timed). Measured once: an epoch is long.
 * - `pgd20_ratio`, `advtrain_ratio`: the backend's throughput over PyTorch's.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { adversarialTrain, modelClassifier, pgd } from '@advlab/attacks';
import { BatchLoader, ImageDataset, loadBundledDataset, subsetDataset } from '@advlab/data';
import { createModel, createStepRunner, describeBackend, LabeledBatch, Rng, useBackend } from '@advlab/model';
import { BenchOptions, DEFAULT_REPETITIONS, figure, loadableBackends, measure, ratio, round, runTorch, spread } from './common';

const PGD_IMAGES = 64;
const SIZE = 64;
const CLASSES = 20;
const NET = [32, 64];
const BATCH = 32;

/** Runs the attack benchmark; prints a readable report unless `json` is set. Returns figures keyed by backend. */
export async function benchAttacks(opts: BenchOptions): Promise<Record<string, unknown>> {
  const log = (msg: string): void => {
    if (!opts.json) console.log(msg);
  };
  const iterations = opts.iterations ?? 1;
  const repetitions = opts.repetitions ?? DEFAULT_REPETITIONS;
  const warmup = opts.warmup ?? 1;
  const result: Record<string, Record<string, unknown>> = {};
  const bundled = await loadBundledDataset();
  const advSet = opts.advImages ? subsetDataset(bundled.train, Array.from({ length: Math.min(opts.advImages, bundled.train.count) }, (_, i) => i)) : bundled.train;
  const valSet = subsetDataset(bundled.test, Array.from({ length: 64 }, (_, i) => i));

  for (const backend of await loadableBackends(opts, log)) {
    await useBackend(backend);
    const rng = new Rng(11);
    const model = createModel({ featureMaps: NET, imageSize: SIZE }, CLASSES, 1);
    const classifier = modelClassifier(model);
    const x = tf.tensor4d(Float32Array.from({ length: PGD_IMAGES * SIZE * SIZE * 3 }, () => rng.uniform()), [PGD_IMAGES, SIZE, SIZE, 3]);
    const y = Int32Array.from({ length: PGD_IMAGES }, () => rng.int(CLASSES));
    let seed = 0;
    // pgd() reads its predictions and losses back before it returns: the work is done.
    const attack = async (n: number, steps: number) => {
      for (let i = 0; i < n; i++) (await pgd(classifier, x, y, { steps, seed: seed++ })).xAdv.dispose();
    };
    await attack(warmup, 2);
    const p = figure(spread(await measure(repetitions, PGD_IMAGES * iterations, () => attack(iterations, 20))));
    x.dispose();
    model.dispose();
    log(`attacks: PGD-20 on ${PGD_IMAGES} images, ${JSON.stringify(NET)} at ${SIZE}x${SIZE}, ${describeBackend()}: ${p.value} img/s [${p.range.join(', ')}]`);

    const adv = await advEpoch(advSet, valSet, opts);
    log(`attacks: one epoch of PGD-10 adversarial training on ${advSet.count} bundled images (${adv.workers} worker${adv.workers > 1 ? 's' : ''}), ${backend}: ${adv.seconds} s, ${adv.imgS} img/s`);
    result[backend] = { pgd20_img_s: p.value, pgd20_img_s_range: p.range, advtrain_seconds: adv.seconds, advtrain_img_s: adv.imgS, advtrain_images: advSet.count };
  }

  if (!opts.noTorch) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'advlab-bench-adv-'));
    try {
      // The PyTorch epoch trains on exactly these pixels and labels.
      await fs.writeFile(path.join(dir, 'pixels.u8'), advSet.pixels);
      await fs.writeFile(path.join(dir, 'labels.i32'), new Uint8Array(Int32Array.from(advSet.labels).buffer));
      const torch = await runTorch<{ torch: string; threads: number; pgd20_img_s: number; pgd20_img_s_range: [number, number] }>('torch_pgd.py', [
        '--threads', '2', '--iterations', String(iterations), '--repetitions', String(repetitions), '--images', String(PGD_IMAGES), '--nets', JSON.stringify(NET),
      ]);
      const torchAdv = torch
        ? await runTorch<{ advtrain_seconds: number; advtrain_img_s: number }>('torch_advtrain.py', [
            '--threads', '2', '--pixels', path.join(dir, 'pixels.u8'), '--labels', path.join(dir, 'labels.i32'), '--count', String(advSet.count), '--size', String(advSet.height), '--classes', String(advSet.classNames.length), '--nets', JSON.stringify(NET),
          ])
        : null;
      if (torch && torchAdv) {
        result.torch = { version: torch.torch, threads: torch.threads, pgd20_img_s: torch.pgd20_img_s, pgd20_img_s_range: torch.pgd20_img_s_range, advtrain_seconds: torchAdv.advtrain_seconds, advtrain_img_s: torchAdv.advtrain_img_s, advtrain_images: advSet.count };
        log(`attacks: torch ${torch.torch} (${torch.threads} threads): PGD-20 ${torch.pgd20_img_s} img/s [${torch.pgd20_img_s_range.join(', ')}]; adversarial epoch ${torchAdv.advtrain_seconds} s, ${torchAdv.advtrain_img_s} img/s`);
        for (const [backend, r] of Object.entries(result)) {
          if (backend === 'torch') continue;
          r.pgd20_ratio = ratio(r.pgd20_img_s as number, torch.pgd20_img_s);
          r.advtrain_ratio = ratio(r.advtrain_img_s as number, torchAdv.advtrain_img_s);
          log(`${backend} / torch: PGD-20 ${r.pgd20_ratio}x, adversarial training ${r.advtrain_ratio}x`);
        }
      } else {
        log('attacks: torch not measured (/usr/bin/python3 cannot import torch)');
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  return result;
}

/** One PGD-10 adversarial-training epoch of a fresh `[32, 64]` net on `train`, timed to its last training step. */
async function advEpoch(train: ImageDataset, validation: ImageDataset, opts: BenchOptions): Promise<{ seconds: number; imgS: number; workers: number }> {
  const model = createModel({ featureMaps: NET, imageSize: train.height }, train.classNames.length, 1);
  const runner = await createStepRunner(model, { workers: opts.workers ?? 'auto', batchSize: BATCH });
  const loader = new BatchLoader(train, { batchSize: BATCH, seed: 3, augment: false });
  const valLoader = new BatchLoader(validation, { batchSize: BATCH, augment: false });
  let lastStep = 0;
  const started = performance.now();
  try {
    await adversarialTrain(
      model,
      {
        train: (epoch) => loader.trainBatches(epoch) as AsyncIterable<LabeledBatch>,
        validation: () => valLoader.evalBatches() as AsyncIterable<LabeledBatch>,
        batchesPerEpoch: Math.ceil(train.count / BATCH),
      },
      { epochs: 1, attack: 'pgd', steps: 10, robustImages: 32, robustSteps: 1 },
      {
        runner,
        // The step's loss was read back: the work is done.
        onBatch: () => void (lastStep = performance.now()),
      },
    );
  } finally {
    await runner.close();
    model.dispose();
  }
  const seconds = (lastStep - started) / 1000;
  return { seconds: round(seconds), imgS: round(train.count / seconds), workers: runner.workers };
}

if (require.main === module) {
  benchAttacks({ json: process.argv.includes('--json'), noTorch: false }).then((r) => {
    if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  });
}
