import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@advlab/model';
import { checkBatch, Classifier, labelArray } from './classifier';
import { ATTACK_LOSS_NAMES, AttackLossName, attackObjective, minClassesFor, oneHot, perImageLoss } from './objective';
import { check, Norm } from './threat';

/** Which attack produced a result (the names are the config lib's, as requests write them). */
export type { AttackName } from '@advlab/config';
export { ATTACK_NAMES } from '@advlab/config';
import type { AttackName } from '@advlab/config';

/**
 * Lets the event loop run between iterations. The tensor backends compute synchronously, so an
 * attack that never yields would hold the process for its whole length: no progress message or
 * cancellation would get through, and a service running it would answer nothing else.
 */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The settings an attack ran with, all defaults filled in; reports print them. */
export interface AttackSettings {
  readonly attack: AttackName;
  readonly norm: Norm;
  /** Budget in pixel scale [0, 1]. */
  readonly eps: number;
  /** Step size; APGD's initial one (it adapts), 0 for Square (it takes no gradient step). */
  readonly stepSize: number;
  /** Gradient steps per restart (per target class for APGD-T); for Square, queries per restart. */
  readonly steps: number;
  readonly restarts: number;
  readonly randomStart: boolean;
  readonly loss: AttackLossName;
  /** Whether the attack aims at given target classes (success: prediction == target). APGD-T is untargeted: it only climbs targeted losses. */
  readonly targeted: boolean;
  readonly seed: number;
  /** APGD and APGD-T: the fraction of loss-increasing steps below which the step size halves at a checkpoint. */
  readonly rho?: number;
  /** APGD and APGD-T: weight of the new step against the previous move (the momentum is `1 - alpha`). */
  readonly alpha?: number;
  /** APGD-T: how many of the most likely wrong classes are tried as targets, one after another. */
  readonly targetClasses?: number;
  /** Square: initial fraction of pixels a square covers. */
  readonly pInit?: number;
  /** Square: whether the schedule of `p` is stretched to the query budget (otherwise it is the paper's, for 10,000 queries). */
  readonly rescaleSchedule?: boolean;
}

/** One frame of a running attack, for live display. */
export interface AttackStep {
  /** 0-based restart. */
  readonly restart: number;
  /** 1-based step just taken, out of `steps`. */
  readonly step: number;
  readonly steps: number;
  /** The iterate after this step, `[n, h, w, 3]` in [0, 1]. Valid during the callback only; do not dispose it. */
  readonly xAdv: tf.Tensor4D;
  /** Mean attack loss over the batch at the point this step's gradient was taken (true class untargeted, target class targeted). */
  readonly loss: number;
  /** `max |xAdv - x|` over the batch after this step. */
  readonly maxAbsDelta: number;
  /** Largest per-image L2 norm of `xAdv - x` after this step. */
  readonly maxL2Delta: number;
}

/** Called after every step; an attack awaits it before the next step. */
export type StepCallback = (s: AttackStep) => void | Promise<void>;

/** Options every attack shares. */
export interface AttackOptions {
  /** Budget in pixel scale. Default 8/255 (L-infinity). */
  readonly eps?: number;
  /** Loss to climb. Default the classifier's own training loss. */
  readonly loss?: AttackLossName;
  /** Target class per image: the attack minimises the loss of these classes instead of maximising the true class's loss. */
  readonly targets?: ArrayLike<number>;
  /** Seeds the random start: the same seed and inputs give the same result. Default 0. */
  readonly seed?: number;
  readonly onStep?: StepCallback;
  /** Aborting throws the signal's reason before the next step. */
  readonly signal?: AbortSignal;
}

/** Outcome of an attack on one batch. */
export interface AttackResult {
  /** Adversarial images `[n, h, w, 3]` in [0, 1]; the caller owns (and disposes) it. */
  readonly xAdv: tf.Tensor4D;
  /** Evaluation-mode predicted class of each adversarial image. */
  readonly predictions: Int32Array;
  /** Attack loss of each adversarial image: of the true class (untargeted) or of the target class (targeted). */
  readonly losses: Float32Array;
  /** 1 where the attack won: prediction != label (untargeted) or == target (targeted). */
  readonly success: Uint8Array;
  /** `max |xAdv - x|` over the batch. */
  readonly maxAbsDelta: number;
  /** Largest per-image L2 norm of `xAdv - x`. */
  readonly maxL2Delta: number;
  readonly minPixel: number;
  readonly maxPixel: number;
  readonly settings: AttackSettings;
}

/** Everything one run of projected gradient steps needs. */
export interface StepPlan {
  readonly norm: Norm;
  readonly eps: number;
  readonly stepSize: number;
  readonly steps: number;
  readonly randomStart: boolean;
  readonly loss: AttackLossName;
  /** One-hot rows of the class whose loss is climbed (true labels) or descended (targets). */
  readonly onehot: tf.Tensor2D;
  readonly targeted: boolean;
  readonly seed: number;
  readonly restart: number;
  readonly onStep?: StepCallback;
  readonly signal?: AbortSignal;
}

/**
 * Projected gradient steps from `x` (or from a random point of the ball around it):
 * `x_{t+1} = P(x_t + stepSize * d_t)` with `d_t = sign(g_t)` (L-infinity) or `g_t / ||g_t||_2`
 * (L2), `g_t` the input gradient of the attack objective in evaluation mode, and `P` the
 * projection onto the eps-ball around `x` followed by clipping to [0, 1]. Returns the last
 * iterate; the caller owns it.
 */
export async function projectedSteps(classifier: Classifier, x: tf.Tensor4D, plan: StepPlan): Promise<tf.Tensor4D> {
  const n = x.shape[0];
  const box = plan.norm === 'linf' ? tf.tidy(() => ({ lo: tf.maximum(tf.sub(x, plan.eps), 0), hi: tf.minimum(tf.add(x, plan.eps), 1) })) : null;
  const projectOnto = (xa: tf.Tensor4D): tf.Tensor4D => (box ? (tf.minimum(tf.maximum(xa, box.lo), box.hi) as tf.Tensor4D) : projectL2(x, xa, plan.eps));
  const objective = attackObjective(plan.loss, plan.onehot, plan.targeted);
  let xAdv = plan.randomStart ? tf.tidy(() => projectOnto(randomStart(x, plan.norm, plan.eps, new Rng(plan.seed, plan.restart).nextUint32()))) : tf.clone(x);
  try {
    for (let step = 1; step <= plan.steps; step++) {
      await breathe();
      plan.signal?.throwIfAborted();
      const current = xAdv;
      const out = tf.tidy(() => {
        const g = classifier.inputGradient(current, objective);
        const direction = plan.norm === 'linf' ? tf.sign(g.grad) : tf.div(g.grad, tf.maximum(l2PerImage(g.grad), 1e-12));
        return { next: projectOnto(tf.add(current, tf.mul(direction, plan.stepSize)) as tf.Tensor4D), value: g.value };
      });
      xAdv = out.next;
      current.dispose();
      if (plan.onStep) {
        const stats = tf.tidy(() => {
          const delta = tf.sub(xAdv, x);
          return tf.stack([tf.max(tf.abs(delta)), tf.max(l2PerImage(delta as tf.Tensor4D))]);
        });
        const [value, [maxAbsDelta, maxL2Delta]] = [(await out.value.data())[0], await stats.data()];
        tf.dispose([out.value, stats]);
        await plan.onStep({ restart: plan.restart, step, steps: plan.steps, xAdv, loss: ((plan.targeted ? -1 : 1) * value) / n, maxAbsDelta, maxL2Delta });
      } else {
        out.value.dispose();
      }
    }
    return xAdv;
  } catch (err) {
    xAdv.dispose();
    throw err;
  } finally {
    if (box) tf.dispose([box.lo, box.hi]);
  }
}

/** Per-image numbers of a candidate batch of adversarial images, read to the CPU. */
export interface Assessment {
  readonly predictions: Int32Array;
  readonly losses: Float32Array;
  readonly success: Uint8Array;
  readonly maxAbsDelta: number;
  readonly maxL2Delta: number;
  readonly minPixel: number;
  readonly maxPixel: number;
}

/** Evaluates adversarial images `xAdv` of `x`: predictions, attack losses, success and delta bounds. */
export async function assess(classifier: Classifier, x: tf.Tensor4D, xAdv: tf.Tensor4D, loss: AttackLossName, onehot: tf.Tensor2D, goal: Int32Array, targeted: boolean): Promise<Assessment> {
  const [pred, losses, stats] = tf.tidy(() => {
    const logits = classifier.logits(xAdv);
    const delta = tf.sub(xAdv, x);
    return [
      tf.argMax(logits, 1),
      perImageLoss(loss, logits, onehot),
      tf.stack([tf.max(tf.abs(delta)), tf.max(l2PerImage(delta as tf.Tensor4D)), tf.min(xAdv), tf.max(xAdv)]),
    ];
  });
  const predictions = Int32Array.from(await pred.data());
  const lossValues = Float32Array.from(await losses.data());
  const [maxAbsDelta, maxL2Delta, minPixel, maxPixel] = await stats.data();
  tf.dispose([pred, losses, stats]);
  const success = Uint8Array.from(predictions, (p, i) => Number(targeted ? p === goal[i] : p !== goal[i]));
  return { predictions, losses: lossValues, success, maxAbsDelta, maxL2Delta, minPixel, maxPixel };
}

/** L2 norm of each image, `[n, 1, 1, 1]`. */
export function l2PerImage(t: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true)) as tf.Tensor4D);
}

/** Projects `xAdv` onto the L2 ball of radius `eps` around `x`, then clips to [0, 1] (which only shrinks the norm). */
export function projectL2(x: tf.Tensor4D, xAdv: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const delta = tf.sub(xAdv, x);
    const scale = tf.minimum(1, tf.div(eps, tf.maximum(l2PerImage(delta as tf.Tensor4D), 1e-12)));
    return tf.clipByValue(tf.add(x, tf.mul(delta, scale)), 0, 1) as tf.Tensor4D;
  });
}

/**
 * `x` plus a uniform draw from the eps-ball (not yet clipped to [0, 1]): per pixel uniform in
 * [-eps, eps] for L-infinity; for L2 a uniform direction (normalised Gaussian) at radius
 * `eps * u^(1/d)`, `d` the pixels per image, which is uniform in the ball's volume.
 */
export function randomStart(x: tf.Tensor4D, norm: Norm, eps: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    if (norm === 'linf') return tf.add(x, tf.randomUniform(x.shape, -eps, eps, 'float32', seed)) as tf.Tensor4D;
    const [n, ...rest] = x.shape;
    const d = rest[0] * rest[1] * rest[2];
    const g = tf.randomNormal(x.shape, 0, 1, 'float32', seed) as tf.Tensor4D;
    const u = tf.randomUniform([n, 1, 1, 1], 0, 1, 'float32', seed + 1);
    const radius = tf.mul(tf.pow(u, 1 / d), eps);
    return tf.add(x, tf.mul(tf.div(g, tf.maximum(l2PerImage(g), 1e-12)), radius)) as tf.Tensor4D;
  });
}

/**
 * Runs `settings.restarts` restarts of {@link projectedSteps} on one batch and keeps, per
 * image, the worst case for the model: a successful restart over an unsuccessful one, then the
 * highest attack objective (true-class loss untargeted, minus target-class loss targeted).
 */
export async function runAttack(
  classifier: Classifier,
  x: tf.Tensor4D,
  labels: ArrayLike<number> | tf.Tensor1D,
  settings: AttackSettings,
  opts: Pick<AttackOptions, 'targets' | 'onStep' | 'signal'>,
): Promise<AttackResult> {
  const trueLabels = labelArray(labels);
  checkBatch(classifier, x, trueLabels);
  const targets = opts.targets === undefined ? null : Int32Array.from(opts.targets);
  if (targets) checkBatch(classifier, x, targets, 'targets');
  const goal = targets ?? trueLabels;
  const onehot = oneHot(goal, classifier.numClasses);
  const score = (a: Assessment, i: number) => (settings.targeted ? -a.losses[i] : a.losses[i]);
  let best: { xAdv: tf.Tensor4D; a: Assessment } | null = null;
  try {
    for (let restart = 0; restart < settings.restarts; restart++) {
      const xAdv = await projectedSteps(classifier, x, { ...settings, onehot, restart, onStep: opts.onStep, signal: opts.signal });
      const a = await assess(classifier, x, xAdv, settings.loss, onehot, goal, settings.targeted);
      if (best === null) {
        best = { xAdv, a };
        continue;
      }
      const prev: { xAdv: tf.Tensor4D; a: Assessment } = best;
      const take = Uint8Array.from(a.success, (s, i) => Number(s > prev.a.success[i] || (s === prev.a.success[i] && score(a, i) > score(prev.a, i))));
      const merged = tf.tidy(() => tf.where(tf.broadcastTo(tf.reshape(tf.tensor1d(take, 'bool'), [-1, 1, 1, 1]), x.shape), xAdv, prev.xAdv) as tf.Tensor4D);
      tf.dispose([xAdv, prev.xAdv]);
      best = { xAdv: merged, a: await assess(classifier, x, merged, settings.loss, onehot, goal, settings.targeted) };
    }
  } catch (err) {
    if (best) best.xAdv.dispose();
    throw err;
  } finally {
    onehot.dispose();
  }
  const { xAdv, a } = best as { xAdv: tf.Tensor4D; a: Assessment };
  return { xAdv, ...a, settings };
}

/**
 * One id per image for random draws that depend on the image alone, not on the other images
 * of its batch (APGD's starts, Square's squares): `ids` checked, or `0..n-1`.
 */
export function imageIdArray(ids: ArrayLike<number> | undefined, n: number): Int32Array {
  if (ids === undefined) return Int32Array.from({ length: n }, (_, i) => i);
  check(ids.length === n, 'imageIds', () => `expected ${n} ids (one per image), got ${ids.length}`);
  const out = Int32Array.from(ids);
  out.forEach((id, i) => check(Number.isInteger(ids[i]) && id === ids[i], 'imageIds', () => `must be 32-bit integers, got ${ids[i]} at ${i}`));
  return out;
}

/** Fills the options every attack shares and checks them. */
export function baseSettings(classifier: Classifier, opts: AttackOptions, defaultEps: number): Pick<AttackSettings, 'eps' | 'loss' | 'targeted' | 'seed'> {
  const loss = opts.loss ?? classifier.loss;
  check(ATTACK_LOSS_NAMES.includes(loss), 'loss', () => `must be one of ${ATTACK_LOSS_NAMES.join(', ')}, got ${String(loss)}`);
  check(classifier.numClasses >= minClassesFor(loss), 'loss', () => `${loss} needs at least ${minClassesFor(loss)} classes, the model has ${classifier.numClasses}`);
  const seed = opts.seed ?? 0;
  check(Number.isInteger(seed), 'seed', () => `must be an integer, got ${seed}`);
  return { eps: opts.eps ?? defaultEps, loss, targeted: opts.targets !== undefined, seed };
}

/** `values[i]` for each index. */
export function pick(values: Int32Array, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from(indices, (i) => values[i]);
}

/** Runs `attack` on rows `rows` of `x` (gathered into their own tensor, disposed after). */
export async function runOn<T>(x: tf.Tensor4D, rows: Int32Array, attack: (xs: tf.Tensor4D) => Promise<T>): Promise<T> {
  const xs = rows.length === x.shape[0] ? tf.clone(x) : (tf.tidy(() => tf.gather(x, tf.tensor1d(rows, 'int32'))) as tf.Tensor4D);
  try {
    return await attack(xs);
  } finally {
    xs.dispose();
  }
}

/**
 * Each image's worst case over several runs, kept on the CPU: a fooling point over any other,
 * then the highest attack score (the loss of the true class untargeted, minus the target's loss
 * targeted). Images the model already gets wrong keep the clean image.
 */
export class WorstCase {
  private constructor(
    readonly points: Float32Array,
    readonly done: Uint8Array,
    readonly score: Float64Array,
    readonly d: number,
    private readonly targeted: boolean,
  ) {}

  /** Starts from the clean images; those already fooled (misclassified, or at their target) are done. */
  static async start(classifier: Classifier, x: tf.Tensor4D, goal: Int32Array, targeted: boolean): Promise<WorstCase> {
    const pred = tf.tidy(() => tf.argMax(classifier.logits(x), 1));
    const predictions = await pred.data();
    pred.dispose();
    const done = Uint8Array.from(goal, (g, i) => Number(targeted ? predictions[i] === g : predictions[i] !== g));
    const points = Float32Array.from((await x.data()) as Float32Array);
    return new WorstCase(points, done, new Float64Array(goal.length).fill(-Infinity), points.length / Math.max(1, goal.length), targeted);
  }

  /** Indices of the images not yet fooled. */
  remaining(): Int32Array {
    return Int32Array.from([...this.done.keys()].filter((i) => !this.done[i]));
  }

  /** Takes each image of a run on rows `rows` when it fooled the model or scores higher than the kept point. */
  async merge(classifier: Classifier, rows: Int32Array, out: { points: Float32Array; success: Uint8Array }, loss: AttackLossName, goal: Int32Array): Promise<void> {
    const scores = await this.scores(classifier, out.points, rows, loss, goal);
    rows.forEach((i, j) => {
      if (out.success[j] || scores[j] > this.score[i]) {
        this.points.set(out.points.subarray(j * this.d, (j + 1) * this.d), i * this.d);
        this.score[i] = scores[j];
        if (out.success[j]) this.done[i] = 1;
      }
    });
  }

  /** The kept points as an attack result (the caller owns `xAdv`). */
  async finish(classifier: Classifier, x: tf.Tensor4D, settings: AttackSettings, goal: Int32Array): Promise<AttackResult> {
    const xAdv = tf.tensor4d(this.points, x.shape);
    const onehot = oneHot(goal, classifier.numClasses);
    try {
      return { xAdv, ...(await assess(classifier, x, xAdv, settings.loss, onehot, goal, settings.targeted)), settings };
    } catch (err) {
      xAdv.dispose();
      throw err;
    } finally {
      onehot.dispose();
    }
  }

  private async scores(classifier: Classifier, points: Float32Array, rows: Int32Array, loss: AttackLossName, goal: Int32Array): Promise<Float32Array> {
    const [h, w, c] = classifier.imageShape;
    const values = tf.tidy(() => {
      const logits = classifier.logits(tf.tensor4d(points, [rows.length, h, w, c]));
      const l = perImageLoss(loss, logits, oneHot(pick(goal, rows), classifier.numClasses));
      return this.targeted ? tf.neg(l) : l;
    });
    const out = (await values.data()) as Float32Array;
    values.dispose();
    return out;
  }
}
