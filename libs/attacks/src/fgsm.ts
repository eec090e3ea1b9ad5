import * as tf from '@tensorflow/tfjs-core';
import { Classifier } from './classifier';
import { AttackOptions, AttackResult, baseSettings, runAttack } from './core';
import { checkBudget, DEFAULT_EPS } from './threat';

/** Options of {@link fgsm}. */
export type FgsmOptions = AttackOptions;

/**
 * Fast Gradient Sign Method: one step of size eps along the sign of the input gradient,
 * `x_adv = clip(x + eps * sign(grad_x L(f(x), y)), 0, 1)` (targeted: `x - eps * sign(grad_x L(f(x), t))`).
 *
 * Threat model: white box, L-infinity, `||x_adv - x||_inf <= eps` in pixel scale [0, 1]
 * (default eps 8/255), pixels kept in [0, 1]. The model is evaluated in evaluation mode; the
 * loss is its own training loss unless `opts.loss` says otherwise. For a linear model this step
 * is the exact maximiser of the loss over the L-infinity ball.
 *
 * Goodfellow, Shlens and Szegedy (2015), "Explaining and Harnessing Adversarial Examples", ICLR.
 *
 * @param x `[n, h, w, 3]` float32 pixels in [0, 1] (not disposed).
 * @param labels `n` true classes.
 */
export async function fgsm(classifier: Classifier, x: tf.Tensor4D, labels: ArrayLike<number> | tf.Tensor1D, opts: FgsmOptions = {}): Promise<AttackResult> {
  const base = baseSettings(classifier, opts, DEFAULT_EPS);
  const settings = { ...base, attack: 'fgsm' as const, norm: 'linf' as const, stepSize: base.eps, steps: 1, restarts: 1, randomStart: false };
  checkBudget(settings);
  return runAttack(classifier, x, labels, settings, opts);
}
