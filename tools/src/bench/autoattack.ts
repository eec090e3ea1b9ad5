/**
 * AutoAttack benchmark on the fastest tensor backend present (the first of gpu, node, onednn,
 * wasm that loads, or the first of `--backends`): milliseconds per image of PGD-20, AutoAttack
 * `fast` and AutoAttack `standard` (L-infinity) against the `[32, 64]` CNN on `--aa-images`
 * random 64x64 images (default 4: standard takes about half a minute per image on two cores),
 * 20 classes.
 *
 * The labels are the net's own clean predictions and the budget is 0, so no image is ever
 * broken and every member of the cascade spends its whole budget on every image: the figures
 * are AutoAttack's full cost per image (on a robust model), not a cost that depends on how
 * quickly an untrained net gives in.
 *
 * - `pgd20_ms_per_image`: PGD-20 (step 0.002, random start), the median of `repetitions` runs.
 * - `autoattack_fast_ms_per_image`, `autoattack_standard_ms_per_image`: one run each (standard is
 *   long: APGD-CE 100 iterations, APGD-T 9 targets x 100, Square 5000 queries).
 * - `autoattack_fast_vs_pgd20`, `autoattack_standard_vs_pgd20`: how many PGD-20 runs each costs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { autoAttack, modelClassifier, pgd, type AutoAttackVersion } from '@advlab/attacks';
import { BACKEND_NAMES, createModel, describeBackend, Rng, useBackend, type BackendName } from '@advlab/model';
import { BenchOptions, DEFAULT_REPETITIONS, measure, spread } from './common';

/** Three significant digits. */
const sig = (x: number) => Number(x.toPrecision(3));

const SIZE = 64;
const CLASSES = 20;
const NET = [32, 64];
export const DEFAULT_AUTOATTACK_IMAGES = 4;

/** The first backend of `candidates` that loads, or null. */
async function fastestBackend(candidates: readonly BackendName[], log: (msg: string) => void): Promise<BackendName | null> {
  for (const b of candidates) {
    try {
      await useBackend(b);
      return b;
    } catch (err) {
      log(`autoattack: ${b} not available (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  return null;
}

/** Runs the AutoAttack benchmark; prints a readable report unless `json` is set. Returns figures keyed by backend. */
export async function benchAutoAttack(opts: BenchOptions): Promise<Record<string, unknown>> {
  const log = (msg: string): void => {
    if (!opts.json) console.log(msg);
  };
  const backend = await fastestBackend(opts.backends ?? BACKEND_NAMES.filter((b) => b !== 'cpu'), log);
  if (!backend) return {};
  const n = opts.autoAttackImages ?? DEFAULT_AUTOATTACK_IMAGES;
  const repetitions = opts.repetitions ?? DEFAULT_REPETITIONS;
  const rng = new Rng(17);
  const model = createModel({ featureMaps: NET, imageSize: SIZE }, CLASSES, 1);
  const classifier = modelClassifier(model);
  const x = tf.tensor4d(Float32Array.from({ length: n * SIZE * SIZE * 3 }, () => rng.uniform()), [n, SIZE, SIZE, 3]);
  try {
    const y = Int32Array.from(tf.tidy(() => tf.argMax(classifier.logits(x), 1).dataSync()));
    let seed = 0;
    const runPgd = async (steps: number) => (await pgd(classifier, x, y, { steps, eps: 0, seed: seed++ })).xAdv.dispose();
    const runAutoAttack = async (version: AutoAttackVersion) => {
      const started = performance.now();
      const r = await autoAttack(classifier, x, y, { version, eps: 0, seed: 0 });
      r.xAdv.dispose();
      if (r.robustAccuracy !== 1) throw new Error(`autoattack bench: an image was broken at eps = 0 (robust accuracy ${r.robustAccuracy})`);
      return sig((performance.now() - started) / n);
    };
    await runPgd(2);
    // measure() gives images per second; here, milliseconds per image.
    const pgdRate = spread(await measure(repetitions, n, () => runPgd(20)));
    const pgdMs = sig(1000 / pgdRate.median);
    const fast = await runAutoAttack('fast');
    const standard = await runAutoAttack('standard');
    const out = {
      pgd20_ms_per_image: pgdMs,
      autoattack_fast_ms_per_image: fast,
      autoattack_standard_ms_per_image: standard,
      autoattack_fast_vs_pgd20: sig(fast / pgdMs),
      autoattack_standard_vs_pgd20: sig(standard / pgdMs),
      autoattack_images: n,
    };
    log(
      `autoattack: ${n} images, ${JSON.stringify(NET)} at ${SIZE}x${SIZE}, ${CLASSES} classes, every image surviving (full budget), ${describeBackend()}: ` +
        `PGD-20 ${pgdMs} ms/image, AutoAttack fast ${fast} ms/image (${out.autoattack_fast_vs_pgd20}x PGD-20), standard ${standard} ms/image (${out.autoattack_standard_vs_pgd20}x)`,
    );
    return { [backend]: out };
  } finally {
    x.dispose();
    model.dispose();
  }
}
