import type { AttackSpec } from '@advlab/config';
import * as tf from '@tensorflow/tfjs-core';
import { apgd } from './apgd';
import { apgdTargeted } from './apgd_targeted';
import { autoAttack, type AutoAttackProgress, type AutoAttackResult } from './autoattack';
import { Classifier, labelArray } from './classifier';
import type { AttackResult, AttackSettings, StepCallback } from './core';
import { fgsm } from './fgsm';
import { fgsmRandomStart } from './fgsm_rs';
import { pgd } from './pgd';
import { square } from './square';

/** Extra inputs of one {@link runAttackSpec} call. */
export interface RunAttackOptions {
  /** Seeds the random starts: the same seed and inputs give the same result. */
  readonly seed: number;
  readonly signal?: AbortSignal;
  /** Called after every step of the gradient attacks (not AutoAttack). */
  readonly onStep?: StepCallback;
  /** Ids of the images (their positions in an evaluated set), for attacks that seed per image. */
  readonly imageIds?: ArrayLike<number>;
  /** AutoAttack: called after the clean pass, when a member of the cascade starts, and after each of its batches. */
  readonly onAutoAttackProgress?: (p: AutoAttackProgress) => void | Promise<void>;
}

/** An attack's result; AutoAttack's carries what each member of the cascade did. */
export type SpecResult = AttackResult & { readonly autoAttack?: AutoAttackResult };

/**
 * Runs the attack `spec` describes on one batch: the one place an attack's name becomes its
 * function. FGSM steps eps from the image, FGSM-RS 1.25 eps from a random start (its own
 * default), PGD its steps with a projection after each, APGD and APGD-T adapt their step,
 * Square queries the logits, AutoAttack runs its cascade.
 *
 * @param x `[n, h, w, 3]` float32 pixels in [0, 1] (not disposed).
 */
export async function runAttackSpec(classifier: Classifier, x: tf.Tensor4D, labels: ArrayLike<number> | tf.Tensor1D, spec: AttackSpec, opts: RunAttackOptions): Promise<SpecResult> {
  const y = labelArray(labels);
  const targets = spec.targetClass === undefined ? undefined : new Int32Array(y.length).fill(spec.targetClass);
  const common = { eps: spec.eps, loss: spec.loss, targets, seed: opts.seed, signal: opts.signal, onStep: opts.onStep };
  switch (spec.kind) {
    case 'fgsm':
      return fgsm(classifier, x, y, common);
    case 'fgsm-rs':
      return fgsmRandomStart(classifier, x, y, common);
    case 'pgd':
      return pgd(classifier, x, y, { ...common, norm: spec.norm, stepSize: spec.stepSize, steps: spec.steps, restarts: spec.restarts, randomStart: spec.randomStart });
    case 'apgd':
      return apgd(classifier, x, y, { ...common, norm: spec.norm, steps: spec.steps, restarts: spec.restarts, imageIds: opts.imageIds });
    case 'apgd-t':
      return apgdTargeted(classifier, x, y, { eps: spec.eps, seed: opts.seed, signal: opts.signal, onStep: opts.onStep, norm: spec.norm, steps: spec.steps, restarts: spec.restarts, imageIds: opts.imageIds });
    case 'square':
      return square(classifier, x, y, { eps: spec.eps, targets, seed: opts.seed, signal: opts.signal, onStep: opts.onStep, norm: spec.norm, queries: spec.steps, restarts: spec.restarts, imageIds: opts.imageIds });
    case 'autoattack': {
      const aa = await autoAttack(classifier, x, y, {
        version: spec.autoAttack,
        budget: { squareQueries: spec.squareQueries },
        norm: spec.norm,
        eps: spec.eps,
        seed: opts.seed,
        imageIds: opts.imageIds,
        signal: opts.signal,
        onProgress: opts.onAutoAttackProgress,
      });
      const settings: AttackSettings = {
        attack: 'apgd',
        norm: spec.norm,
        eps: spec.eps,
        stepSize: 2 * spec.eps,
        steps: aa.settings.budget.apgdSteps,
        restarts: aa.settings.budget.apgdRestarts,
        randomStart: true,
        loss: 'cross-entropy',
        targeted: false,
        seed: opts.seed,
      };
      return {
        xAdv: aa.xAdv,
        predictions: aa.predictions,
        losses: new Float32Array(y.length).fill(Number.NaN),
        success: Uint8Array.from(aa.predictions, (p, i) => Number(p !== y[i])),
        maxAbsDelta: aa.maxAbsDelta,
        maxL2Delta: aa.maxL2Delta,
        minPixel: aa.minPixel,
        maxPixel: aa.maxPixel,
        settings,
        autoAttack: aa,
      };
    }
  }
}
