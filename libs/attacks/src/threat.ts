/**
 * Threat models and the notebook's attack settings.
 *
 * Every budget is in pixel scale: images are float32 in [0, 1], so `eps = 8/255` allows each
 * 8-bit pixel value to move by 8 levels (L-infinity), and an L2 budget is the Euclidean norm of
 * the whole perturbation of one image in the same units.
 */

import { ATTACK_FIELDS } from '@advlab/config';

export { epsLabel, formatEps, NORMS } from '@advlab/config';
export type { Norm } from '@advlab/config';
import type { Norm } from '@advlab/config';
import { NORMS } from '@advlab/config';

// The defaults are the config tables' (`@advlab/config`): one home for every default and range.
/** The notebook's L-infinity budget, 8/255 (the notebook writes it 0.0313). */
export const DEFAULT_EPS = ATTACK_FIELDS.epsilonLinf.default as number;
/** The notebook's PGD step size (eta). */
export const DEFAULT_STEP_SIZE = ATTACK_FIELDS.stepSizeLinf.default as number;
/** PGD steps when evaluating robustness (notebook question 3.6). */
export const DEFAULT_EVAL_STEPS = ATTACK_FIELDS.evaluationSteps.default as number;
/** PGD steps inside adversarial training (notebook question 3.7). */
export const DEFAULT_TRAIN_STEPS = ATTACK_FIELDS.trainingSteps.default as number;
/** Default L2 budget: a common choice for 28-64 pixel images in [0, 1]. */
export const DEFAULT_L2_EPS = ATTACK_FIELDS.epsilonL2.default as number;

/** Throws a RangeError naming `field` unless `ok`. */
export function check(ok: boolean, field: string, what: () => string): void {
  if (!ok) throw new RangeError(`${field}: ${what()}`);
}

/** Checks an attack budget, step size and step count, naming the bad field. */
export function checkBudget(p: { eps: number; stepSize: number; steps: number; norm: Norm }): void {
  check(NORMS.includes(p.norm), 'norm', () => `must be one of ${NORMS.join(', ')}, got ${String(p.norm)}`);
  check(Number.isFinite(p.eps) && p.eps >= 0, 'eps', () => `must be a number >= 0 in pixel scale [0, 1] (e.g. 8/255 = ${DEFAULT_EPS.toFixed(4)}), got ${p.eps}`);
  check(p.norm === 'l2' || p.eps <= 1, 'eps', () => `an L-infinity budget above 1 allows any image; pixels are in [0, 1], got ${p.eps}`);
  check(Number.isFinite(p.stepSize) && p.stepSize >= 0, 'stepSize', () => `must be a number >= 0, got ${p.stepSize}`);
  check(Number.isInteger(p.steps) && p.steps >= 1, 'steps', () => `must be an integer >= 1, got ${p.steps}`);
}
