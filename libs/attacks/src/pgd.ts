import * as tf from '@tensorflow/tfjs-core';
import { Classifier } from './classifier';
import { AttackOptions, AttackResult, AttackSettings, baseSettings, runAttack } from './core';
import { check, checkBudget, DEFAULT_EPS, DEFAULT_EVAL_STEPS, DEFAULT_L2_EPS, DEFAULT_STEP_SIZE, Norm } from './threat';

/** Options of {@link pgd}. */
export interface PgdOptions extends AttackOptions {
  /** Default 'linf'. */
  readonly norm?: Norm;
  /** Default 8/255 (L-infinity) or 0.5 (L2). */
  readonly eps?: number;
  /** Default 0.002 (L-infinity), `2.5 * eps / steps` (L2). */
  readonly stepSize?: number;
  /** Default 20 (evaluation; adversarial training uses 10). */
  readonly steps?: number;
  /** Independent random starts; each image keeps its worst case. Default 1. */
  readonly restarts?: number;
  /** Start from a uniform point of the eps-ball (Madry et al.). Default true; false starts at `x`. */
  readonly randomStart?: boolean;
}

/** The settings {@link pgd} runs with for `opts`, defaults filled in and checked. */
export function pgdSettings(classifier: Classifier, opts: PgdOptions = {}): AttackSettings {
  const norm = opts.norm ?? 'linf';
  const base = baseSettings(classifier, opts, norm === 'l2' ? DEFAULT_L2_EPS : DEFAULT_EPS);
  const steps = opts.steps ?? DEFAULT_EVAL_STEPS;
  const stepSize = opts.stepSize ?? (norm === 'l2' ? (2.5 * base.eps) / steps : DEFAULT_STEP_SIZE);
  const restarts = opts.restarts ?? 1;
  check(Number.isInteger(restarts) && restarts >= 1, 'restarts', () => `must be an integer >= 1, got ${restarts}`);
  const settings: AttackSettings = { ...base, attack: 'pgd', norm, stepSize, steps, restarts, randomStart: opts.randomStart ?? true };
  checkBudget(settings);
  return settings;
}

/**
 * Projected Gradient Descent on the negative loss, the "first-order adversary":
 * start at a uniform random point of the eps-ball around `x`, then `steps` times
 * `x <- clip(P_eps(x + stepSize * d), 0, 1)` with `d = sign(grad)` (L-infinity) or
 * `grad / ||grad||_2` (L2), `P_eps` the projection onto the ball around the clean image.
 * Untargeted it climbs the loss of the true class; with `targets` it descends the loss of the
 * target class. With `restarts > 1` each image keeps its worst case over the restarts
 * (misclassified first, then highest loss).
 *
 * Threat model: white box, L-infinity (default, eps 8/255, step 0.002, 20 steps: the
 * notebook's evaluation attack) or L2, pixel scale [0, 1], pixels kept in [0, 1]. The model
 * is in evaluation mode (BN running statistics, no dropout) and the loss is its own training
 * loss unless `opts.loss` says otherwise. Seeded: the same seed and input give the same result.
 *
 * Madry, Makelov, Schmidt, Tsipras and Vladu (2018), "Towards Deep Learning Models Resistant to
 * Adversarial Attacks", ICLR.
 *
 * @param x `[n, h, w, 3]` float32 pixels in [0, 1] (not disposed).
 * @param labels `n` true classes.
 */
export async function pgd(classifier: Classifier, x: tf.Tensor4D, labels: ArrayLike<number> | tf.Tensor1D, opts: PgdOptions = {}): Promise<AttackResult> {
  return runAttack(classifier, x, labels, pgdSettings(classifier, opts), opts);
}
