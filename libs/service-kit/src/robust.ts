import {
  AttackMethod,
  LossKind,
  Norm,
  type AttackConfig,
  type RobustResult,
} from '@advlab/contract';
import { fgsm, fgsmRandomStart, pgd, type AttackLossName, type AttackResult, type Classifier, type StepCallback } from '@advlab/attacks';
import type { ImageDataset } from '@advlab/data';
import * as tf from '@tensorflow/tfjs-core';
import { epsilonLabel } from './config';
import { datasetSlice, yieldToEventLoop } from './inference';

/** The attack lib's loss name for an AttackConfig's loss (undefined: the model's own). */
export function attackLoss(loss: LossKind | undefined): AttackLossName | undefined {
  if (loss === LossKind.LOSS_KIND_CROSS_ENTROPY) return 'cross-entropy';
  if (loss === LossKind.LOSS_KIND_ONE_VS_ALL) return 'ova';
  return undefined;
}

/** Extra inputs of one attack call. */
export interface AttackCallOptions {
  seed: number;
  signal?: AbortSignal;
  onStep?: StepCallback;
}

/**
 * Runs the attack an AttackConfig (defaults filled in) describes on one
 * batch. FGSM takes one step of eps; FGSM with random start one step of
 * 1.25 eps from a random point; PGD its steps with projection after each.
 */
export function runAttack(classifier: Classifier, x: tf.Tensor4D, labels: Int32Array, attack: AttackConfig, call: AttackCallOptions): Promise<AttackResult> {
  const targets = attack.targetClass === undefined ? undefined : new Int32Array(labels.length).fill(attack.targetClass);
  const common = { eps: attack.epsilon, loss: attackLoss(attack.loss), targets, seed: call.seed, signal: call.signal, onStep: call.onStep };
  switch (attack.method) {
    case AttackMethod.ATTACK_METHOD_FGSM:
      return fgsm(classifier, x, labels, common);
    case AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START:
      return fgsmRandomStart(classifier, x, labels, common);
    default:
      return pgd(classifier, x, labels, {
        ...common,
        norm: attack.norm === Norm.NORM_L2 ? 'l2' : 'linf',
        stepSize: attack.stepSize,
        steps: attack.steps,
        restarts: attack.restarts,
        randomStart: attack.randomStart,
      });
  }
}

/** What one attack did to every image of a set. */
export interface AttackOutcome {
  result: RobustResult;
  /** 1 where the image is classified correctly after the attack. */
  correctAfter: Uint8Array;
  /** 1 where the clean image is classified correctly. */
  correctBefore: Uint8Array;
}

const BATCH = 64;

/**
 * Attacks every image of `images` (in batches) and reports clean and robust
 * accuracy, the success rate on the images the model got right, the mean
 * attack loss, and the sanity checks: the largest perturbation against the
 * budget, the pixel range, and the same attack at eps = 0 (one step) against
 * the clean accuracy.
 */
export async function attackDataset(
  classifier: Classifier,
  images: ImageDataset,
  attack: AttackConfig,
  opts: { seed: number; signal?: AbortSignal; onProgress?: (done: number) => void },
): Promise<AttackOutcome> {
  const started = Date.now();
  const n = images.count;
  const correctAfter = new Uint8Array(n);
  const correctBefore = new Uint8Array(n);
  const eps0Correct = new Uint8Array(n);
  const eps0: AttackConfig = { ...attack, epsilon: 0, steps: 1 };
  const l2 = attack.norm === Norm.NORM_L2;
  let lossSum = 0;
  let maxPerturbation = 0;
  let minPixel = Infinity;
  let maxPixel = -Infinity;
  for (let start = 0; start < n; start += BATCH) {
    const end = Math.min(n, start + BATCH);
    const labels = images.labels.slice(start, end);
    const x = datasetSlice(images, start, end);
    try {
      const clean = tf.tidy(() => tf.argMax(classifier.logits(x), 1));
      const cleanPred = (await clean.data()) as Int32Array;
      clean.dispose();
      const adv = await runAttack(classifier, x, labels, attack, { seed: opts.seed + start, signal: opts.signal });
      adv.xAdv.dispose();
      const zero = await runAttack(classifier, x, labels, eps0, { seed: opts.seed + start, signal: opts.signal });
      zero.xAdv.dispose();
      for (let i = 0; i < end - start; i++) {
        correctBefore[start + i] = cleanPred[i] === labels[i] ? 1 : 0;
        correctAfter[start + i] = adv.predictions[i] === labels[i] ? 1 : 0;
        eps0Correct[start + i] = zero.predictions[i] === labels[i] ? 1 : 0;
        lossSum += adv.losses[i];
      }
      maxPerturbation = Math.max(maxPerturbation, l2 ? adv.maxL2Delta : adv.maxAbsDelta);
      minPixel = Math.min(minPixel, adv.minPixel);
      maxPixel = Math.max(maxPixel, adv.maxPixel);
    } finally {
      x.dispose();
    }
    opts.onProgress?.(end);
    await yieldToEventLoop();
  }
  const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
  const cleanAccuracy = n ? sum(correctBefore) / n : 0;
  const robustAccuracy = n ? sum(correctAfter) / n : 0;
  let flipped = 0;
  for (let i = 0; i < n; i++) if (correctBefore[i] && !correctAfter[i]) flipped++;
  const eps0Accuracy = n ? sum(eps0Correct) / n : 0;
  const epsilon = attack.epsilon ?? 0;
  return {
    correctAfter,
    correctBefore,
    result: {
      attack,
      epsilonLabel: l2 ? epsilon.toFixed(3) : epsilonLabel(epsilon),
      numImages: n,
      cleanAccuracy,
      robustAccuracy,
      attackSuccessRate: sum(correctBefore) ? flipped / sum(correctBefore) : 0,
      meanLoss: n ? lossSum / n : 0,
      sanity: {
        maxPerturbation,
        withinBudget: maxPerturbation <= epsilon + 1e-6,
        minPixel: n ? minPixel : 0,
        maxPixel: n ? maxPixel : 0,
        eps0Accuracy,
        eps0MatchesClean: Math.abs(eps0Accuracy - cleanAccuracy) < 1e-9,
      },
      seconds: (Date.now() - started) / 1000,
    },
  };
}
