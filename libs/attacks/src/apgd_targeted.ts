import * as tf from '@tensorflow/tfjs-core';
import { checkBatch, Classifier, labelArray } from './classifier';
import { imageIdArray, pick, runOn, WorstCase } from './core';
import { apgdRun, ApgdOptions, ApgdResult, ApgdSettings, apgdSettings } from './apgd';
import { check } from './threat';

/** Target classes APGD-T tries in AutoAttack's standard version. */
export const DEFAULT_TARGET_CLASSES = 9;

/** Options of {@link apgdTargeted}: those of APGD, but the loss is the targeted DLR loss and the targets are chosen per image. */
export interface ApgdTargetedOptions extends Omit<ApgdOptions, 'loss' | 'targets'> {
  /** How many of the most likely wrong classes of each clean image are tried as targets. Default 9, at most classes - 1. */
  readonly targetClasses?: number;
}

/** The settings {@link apgdTargeted} runs with for `opts`, defaults filled in and checked. */
export function apgdTargetedSettings(classifier: Classifier, opts: ApgdTargetedOptions = {}): ApgdSettings & { readonly targetClasses: number } {
  const k = classifier.numClasses;
  check(k >= 4, 'attack', () => `APGD-T's targeted DLR loss needs at least 4 classes, the model has ${k}`);
  const wanted = opts.targetClasses ?? DEFAULT_TARGET_CLASSES;
  check(Number.isInteger(wanted) && wanted >= 1, 'targetClasses', () => `must be an integer >= 1, got ${wanted}`);
  const base = apgdSettings(classifier, { ...opts, loss: 'dlr', targets: undefined });
  return { ...base, attack: 'apgd-t', targetClasses: Math.min(wanted, k - 1) };
}

/**
 * Targeted APGD on the targeted DLR loss (APGD-T), an untargeted attack made of targeted runs:
 * for each of the `targetClasses` classes with the highest clean logits after the top one (the
 * most likely wrong classes), in order, it runs {@link apgd} with restarts on the images not yet
 * misclassified, climbing `-(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12)`. Success is any
 * misclassification, not only reaching the target. Targeting a class at a time finds
 * adversarial examples that a loss over all classes misses, and the DLR normalisation makes it
 * indifferent to the scale of the logits (cross-entropy and OVA models alike).
 *
 * Threat model: white box, L-infinity (default, eps 8/255) or L2 (eps 0.5), pixel scale
 * [0, 1], pixels kept in [0, 1], model in evaluation mode, at least 4 classes. Each run follows
 * APGD's step-size schedule (100 iterations, 1 restart per target by default, as in AutoAttack).
 * `AttackStep.restart` counts runs: `target rank * restarts + restart`. Seeded per image.
 *
 * Croce and Hein (2020), "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", ICML (reference: fra31/auto-attack, `APGDAttack_targeted`).
 *
 * @param x `[n, h, w, 3]` float32 pixels in [0, 1] (not disposed).
 * @param labels `n` true classes.
 */
export async function apgdTargeted(classifier: Classifier, x: tf.Tensor4D, labels: ArrayLike<number> | tf.Tensor1D, opts: ApgdTargetedOptions = {}): Promise<ApgdResult> {
  const settings = apgdTargetedSettings(classifier, opts);
  const trueLabels = labelArray(labels);
  checkBatch(classifier, x, trueLabels);
  const ids = imageIdArray(opts.imageIds, trueLabels.length);
  const order = await classesByLogit(classifier, x);
  const worst = await WorstCase.start(classifier, x, trueLabels, false);
  let zeroGradientImages = 0;
  for (let rank = 1; rank <= settings.targetClasses; rank++) {
    for (let restart = 0; restart < settings.restarts; restart++) {
      const todo = worst.remaining();
      if (todo.length === 0) continue;
      const run = (rank - 1) * settings.restarts + restart;
      const out = await runOn(x, todo, (xs) =>
        apgdRun(classifier, xs, {
          ...settings,
          labels: pick(trueLabels, todo),
          targets: Int32Array.from(todo, (i) => order[i][rank]),
          targetedSuccess: false,
          imageIds: pick(ids, todo),
          stream: run,
          restart: run,
          onStep: opts.onStep,
          signal: opts.signal,
        }),
      );
      zeroGradientImages += out.zeroGradients;
      await worst.merge(classifier, todo, out, 'dlr', trueLabels);
    }
  }
  return { ...(await worst.finish(classifier, x, settings, trueLabels)), zeroGradientImages };
}

/** Each image's classes from the highest clean logit down. */
async function classesByLogit(classifier: Classifier, x: tf.Tensor4D): Promise<Int32Array[]> {
  const k = classifier.numClasses;
  const logits = tf.tidy(() => classifier.logits(x));
  const z = await logits.data();
  logits.dispose();
  return Array.from({ length: x.shape[0] }, (_, i) => {
    const row = z.subarray(i * k, (i + 1) * k);
    return Int32Array.from({ length: k }, (_, j) => j).sort((a, b) => row[b] - row[a]);
  });
}
