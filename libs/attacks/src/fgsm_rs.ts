import * as tf from '@tensorflow/tfjs-core';
import { Classifier } from './classifier';
import { AttackOptions, AttackResult, baseSettings, runAttack } from './core';
import { check, checkBudget, DEFAULT_EPS } from './threat';

/** Options of {@link fgsmRandomStart}. */
export interface FgsmRandomStartOptions extends AttackOptions {
  /** Step size as a multiple of eps. Default 1.25, the paper's choice for L-infinity. */
  readonly alpha?: number;
}

/**
 * FGSM with a random start, the cheap attack of "fast" adversarial training: draw
 * `delta ~ U(-eps, eps)^d`, take one signed-gradient step of size `alpha * eps` (default 1.25 eps)
 * from `x + delta`, then project onto the eps-ball and [0, 1]. One gradient per image, yet
 * training on it gives robustness close to PGD training, where plain FGSM training overfits
 * to FGSM ("catastrophic overfitting").
 *
 * Threat model: white box, L-infinity, eps in pixel scale [0, 1] (default 8/255), evaluation
 * mode, the model's own training loss unless told otherwise. Seeded: the same seed and input
 * give the same start.
 *
 * Wong, Rice and Kolter (2020), "Fast is better than free: Revisiting adversarial training", ICLR.
 *
 * @param x `[n, h, w, 3]` float32 pixels in [0, 1] (not disposed).
 * @param labels `n` true classes.
 */
export async function fgsmRandomStart(classifier: Classifier, x: tf.Tensor4D, labels: ArrayLike<number> | tf.Tensor1D, opts: FgsmRandomStartOptions = {}): Promise<AttackResult> {
  const base = baseSettings(classifier, opts, DEFAULT_EPS);
  const alpha = opts.alpha ?? 1.25;
  check(Number.isFinite(alpha) && alpha > 0, 'alpha', () => `must be a positive multiple of eps, got ${alpha}`);
  const settings = { ...base, attack: 'fgsm-rs' as const, norm: 'linf' as const, stepSize: alpha * base.eps, steps: 1, restarts: 1, randomStart: true };
  checkBudget(settings);
  return runAttack(classifier, x, labels, settings, opts);
}
