import * as tf from '@tensorflow/tfjs-core';
import { ADVERSARIAL_FIELDS } from '@advlab/config';
import { EpochEnd, EpochMetrics, LabeledBatch, Model, Rng, train, TrainConfig, TrainHooks, TrainingData, TrainResult, withTrainDefaults } from '@advlab/model';
import { Classifier, labelArray, modelClassifier } from './classifier';
import { AttackResult } from './core';
import { fgsmRandomStart } from './fgsm_rs';
import { pgd } from './pgd';
import { check, checkBudget, DEFAULT_EPS, DEFAULT_EVAL_STEPS, DEFAULT_STEP_SIZE, DEFAULT_TRAIN_STEPS, epsLabel } from './threat';

/** The attack that makes the training batches. */
export type TrainingAttack = 'pgd' | 'fgsm-rs';

/** Adversarial part of the configuration; every field has a default in {@link DEFAULT_ADVERSARIAL_SETTINGS}. */
export interface AdversarialSettings {
  /** PGD (Madry et al. 2018) or FGSM with random start at 1.25 eps (Wong et al. 2020). */
  readonly attack: TrainingAttack;
  /** L-infinity budget in pixel scale [0, 1]. */
  readonly eps: number;
  /** PGD step size (FGSM-RS steps 1.25 eps). */
  readonly stepSize: number;
  /** PGD steps per training batch. */
  readonly steps: number;
  /** Size of the fixed validation subset robust accuracy is measured on (chosen by `seed`). */
  readonly robustImages: number;
  /** PGD steps of the per-epoch robust check (same eps and step size). */
  readonly robustSteps: number;
}

/**
 * The notebook's adversarial training (question 3.7): PGD, eps 8/255, step 0.002, k = 10, and a
 * PGD-20 check on 256 validation images each epoch (the config tables' defaults).
 */
export const DEFAULT_ADVERSARIAL_SETTINGS: AdversarialSettings = {
  attack: 'pgd',
  eps: DEFAULT_EPS,
  stepSize: DEFAULT_STEP_SIZE,
  steps: DEFAULT_TRAIN_STEPS,
  robustImages: ADVERSARIAL_FIELDS.evalImages.default as number,
  robustSteps: DEFAULT_EVAL_STEPS,
};

/** Training plus adversarial settings. */
export type AdversarialTrainConfig = TrainConfig & AdversarialSettings;

/** Metrics of one adversarial-training epoch. Training loss and accuracy are on the adversarial batches. */
export interface AdversarialEpochMetrics extends EpochMetrics {
  /** Accuracy under PGD (`robustSteps` steps) on the fixed validation subset. */
  readonly robustAccuracy: number;
  /** Clean accuracy on the same subset. */
  readonly subsetCleanAccuracy: number;
  readonly robustImages: number;
  readonly robustSeconds: number;
}

/** Callbacks and cancellation, as for `train`. */
export interface AdversarialTrainHooks extends Omit<TrainHooks, 'onEpoch'> {
  /** After every epoch; returning `'stop'` ends training there (the caller picks the best epoch). */
  onEpoch?(m: AdversarialEpochMetrics, end?: EpochEnd): void | 'stop' | Promise<void | 'stop'>;
}

/** Outcome of {@link adversarialTrain}. */
export interface AdversarialTrainResult {
  readonly config: AdversarialTrainConfig;
  readonly history: AdversarialEpochMetrics[];
  readonly stopReason: TrainResult['stopReason'];
  readonly steps: number;
}

/** Fills defaults and checks an adversarial-training configuration, naming the bad field. */
export function withAdversarialDefaults(partial: Partial<AdversarialTrainConfig> = {}): AdversarialTrainConfig {
  const c: AdversarialTrainConfig = { ...withTrainDefaults(partial), ...DEFAULT_ADVERSARIAL_SETTINGS, ...stripUndefined(partial) };
  check(c.attack === 'pgd' || c.attack === 'fgsm-rs', 'attack', () => `must be pgd or fgsm-rs, got ${String(c.attack)}`);
  checkBudget({ norm: 'linf', eps: c.eps, stepSize: c.stepSize, steps: c.steps });
  check(Number.isInteger(c.robustImages) && c.robustImages >= 1, 'robustImages', () => `must be an integer >= 1, got ${c.robustImages}`);
  check(Number.isInteger(c.robustSteps) && c.robustSteps >= 1, 'robustSteps', () => `must be an integer >= 1, got ${c.robustSteps}`);
  return c;
}

/**
 * Adversarial training: minimise the loss on adversarial versions of the training batches,
 * `min_theta E[max_{||delta||_inf <= eps} L(f(x + delta), y)]`, the inner maximum approximated by
 * PGD (Madry et al. 2018, "Towards Deep Learning Models Resistant to Adversarial Attacks";
 * default eps 8/255, step 0.002, 10 steps) or by FGSM with random start (Wong, Rice and Kolter
 * 2020, "Fast is better than free").
 *
 * Trains `model` in place with `@advlab/model`'s training loop, from scratch (a fresh model) or
 * from trained weights. Every training batch is replaced by its adversarial version, attacked
 * against the current weights with the model in evaluation mode and the training loss. After
 * each epoch: clean validation accuracy over `data.validation()` and PGD accuracy on a fixed
 * subset of it (`robustImages` images chosen by `seed`, the same random starts every epoch).
 * Which epoch is best is the caller's rule: `onEpoch` sees the robust accuracy and may stop.
 *
 * Threat model: white box, L-infinity, pixel scale [0, 1].
 */
export async function adversarialTrain(model: Model, data: TrainingData, partial: Partial<AdversarialTrainConfig> = {}, hooks: AdversarialTrainHooks = {}): Promise<AdversarialTrainResult> {
  const config = withAdversarialDefaults(partial);
  const validation = data.validation?.bind(data);
  if (!validation) throw new RangeError('adversarialTrain needs validation batches (data.validation) to measure robust accuracy and keep the best epoch');
  const classifier = modelClassifier(model, { loss: config.loss });
  const subset = await robustSubset(validation(), config.robustImages, config.seed);
  const history: AdversarialEpochMetrics[] = [];
  try {
    const adversarialData: TrainingData = {
      train: (epoch) => adversarialBatches(classifier, data.train(epoch), config, epoch, hooks.signal),
      validation,
      batchesPerEpoch: data.batchesPerEpoch,
    };
    const result = await train(model, adversarialData, config, {
      onBatch: hooks.onBatch,
      signal: hooks.signal,
      runner: hooks.runner,
      workers: hooks.workers,
      resumeFrom: hooks.resumeFrom,
      onEpoch: async (m, end) => {
        const r = await robustCheck(classifier, subset, config);
        const metrics: AdversarialEpochMetrics = { ...m, ...r };
        history.push(metrics);
        return hooks.onEpoch?.(metrics, end);
      },
    });
    return { config, history, stopReason: result.stopReason, steps: result.steps };
  } finally {
    tf.dispose(subset.x);
  }
}

/** One line describing the training attack, e.g. `PGD-10, eps 8/255, step 0.002`. */
export function describeTrainingAttack(c: Pick<AdversarialSettings, 'attack' | 'eps' | 'stepSize' | 'steps'>): string {
  return c.attack === 'pgd' ? `PGD-${c.steps}, eps ${epsLabel(c.eps)}, step ${c.stepSize}` : `FGSM with random start, eps ${epsLabel(c.eps)}, step 1.25 eps`;
}

/** Each clean batch replaced by its adversarial version, computed when the loop asks for it (current weights). */
async function* adversarialBatches(classifier: Classifier, batches: AsyncIterable<LabeledBatch>, c: AdversarialTrainConfig, epoch: number, signal?: AbortSignal): AsyncGenerator<LabeledBatch> {
  let index = 0;
  for await (const b of batches) {
    if (signal?.aborted) {
      yield b;
      continue;
    }
    const labels = labelArray(b.labels);
    const seed = new Rng(c.seed, epoch, index, 0xad).nextUint32() >>> 1;
    let r: AttackResult;
    try {
      r =
        c.attack === 'pgd'
          ? await pgd(classifier, b.x, labels, { eps: c.eps, stepSize: c.stepSize, steps: c.steps, seed })
          : await fgsmRandomStart(classifier, b.x, labels, { eps: c.eps, seed });
    } finally {
      b.x.dispose();
      if (b.labels instanceof tf.Tensor) b.labels.dispose();
    }
    index += 1;
    yield { x: r.xAdv, labels };
  }
}

/** A fixed validation subset as batched tensors. */
interface Subset {
  readonly x: tf.Tensor4D[];
  readonly labels: Int32Array[];
  readonly count: number;
}

const SUBSET_BATCH = 64;

/**
 * `count` images drawn uniformly without replacement from `batches` (disposed), by giving each
 * image a seeded random key and keeping the smallest keys; kept in their original order.
 */
async function robustSubset(batches: AsyncIterable<LabeledBatch>, count: number, seed: number): Promise<Subset> {
  const rng = new Rng(seed, 0x5e1ec7);
  let kept: Array<{ key: number; position: number; pixels: Float32Array; label: number }> = [];
  let position = 0;
  let shape: number[] = [];
  for await (const b of batches) {
    const labels = labelArray(b.labels);
    const values = (await b.x.data()) as Float32Array;
    shape = b.x.shape.slice(1);
    const per = values.length / labels.length;
    b.x.dispose();
    if (b.labels instanceof tf.Tensor) b.labels.dispose();
    for (let i = 0; i < labels.length; i++) {
      kept.push({ key: rng.uniform(), position: position++, pixels: values.slice(i * per, (i + 1) * per), label: labels[i] });
    }
    if (kept.length > 2 * count) kept = smallestKeys(kept, count);
  }
  kept = smallestKeys(kept, count).sort((a, b) => a.position - b.position);
  if (kept.length === 0) throw new RangeError('adversarialTrain: the validation batches held no images');
  const x: tf.Tensor4D[] = [];
  const labels: Int32Array[] = [];
  for (let start = 0; start < kept.length; start += SUBSET_BATCH) {
    const part = kept.slice(start, start + SUBSET_BATCH);
    const per = part[0].pixels.length;
    const data = new Float32Array(part.length * per);
    part.forEach((k, i) => data.set(k.pixels, i * per));
    x.push(tf.tensor4d(data, [part.length, shape[0], shape[1], shape[2]]));
    labels.push(Int32Array.from(part, (k) => k.label));
  }
  return { x, labels, count: kept.length };
}

function smallestKeys<T extends { key: number }>(items: T[], count: number): T[] {
  return items.sort((a, b) => a.key - b.key).slice(0, count);
}

/** Clean and PGD accuracy on the fixed subset, with the same random starts every epoch. */
async function robustCheck(classifier: Classifier, subset: Subset, c: AdversarialTrainConfig): Promise<Pick<AdversarialEpochMetrics, 'robustAccuracy' | 'subsetCleanAccuracy' | 'robustImages' | 'robustSeconds'>> {
  const t0 = Date.now();
  let [clean, robust] = [0, 0];
  for (let i = 0; i < subset.x.length; i++) {
    const labels = subset.labels[i];
    const argmax = tf.tidy(() => tf.argMax(classifier.logits(subset.x[i]), 1));
    const pred = await argmax.data();
    argmax.dispose();
    clean += labels.filter((l, j) => pred[j] === l).length;
    const r = await pgd(classifier, subset.x[i], labels, { eps: c.eps, stepSize: c.stepSize, steps: c.robustSteps, seed: new Rng(c.seed, 0x7e57, i).nextUint32() >>> 1 });
    r.xAdv.dispose();
    robust += labels.filter((l, j) => r.predictions[j] === l).length;
  }
  return { robustAccuracy: robust / subset.count, subsetCleanAccuracy: clean / subset.count, robustImages: subset.count, robustSeconds: (Date.now() - t0) / 1000 };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
