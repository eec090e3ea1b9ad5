/**
 * Threat models and the notebook's attack settings.
 *
 * Every budget is in pixel scale: images are float32 in [0, 1], so `eps = 8/255` allows each
 * 8-bit pixel value to move by 8 levels (L-infinity), and an L2 budget is the Euclidean norm of
 * the whole perturbation of one image in the same units.
 */

/** The perturbation norm an attack is bounded in. */
export type Norm = 'linf' | 'l2';

/** The norms {@link Norm} accepts, for validation messages. */
export const NORMS: readonly Norm[] = ['linf', 'l2'];

/** The notebook's L-infinity budget, 8/255 (the notebook writes it 0.0313). */
export const DEFAULT_EPS = 8 / 255;
/** The notebook's PGD step size (eta). */
export const DEFAULT_STEP_SIZE = 0.002;
/** PGD steps when evaluating robustness (notebook question 3.6). */
export const DEFAULT_EVAL_STEPS = 20;
/** PGD steps inside adversarial training (notebook question 3.7). */
export const DEFAULT_TRAIN_STEPS = 10;
/** Default L2 budget: a common choice for 28-64 pixel images in [0, 1]. */
export const DEFAULT_L2_EPS = 0.5;

/**
 * A budget as a fraction of 255: `8/255` for 8 / 255, `7.98/255` for the notebook's 0.0313,
 * `0` for 0.
 */
export function epsLabel(eps: number): string {
  if (eps === 0) return '0';
  const k = eps * 255;
  const rounded = Math.round(k);
  return Math.abs(k - rounded) < 1e-3 ? `${rounded}/255` : `${Number(k.toFixed(2))}/255`;
}

/** A budget written for people: `0.0314 (8/255)`. */
export function formatEps(eps: number): string {
  return `${Number(eps.toPrecision(3))} (${epsLabel(eps)})`;
}

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
