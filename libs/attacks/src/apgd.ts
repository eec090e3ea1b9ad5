import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@advlab/model';
import { checkBatch, Classifier, labelArray, LogitsObjective } from './classifier';
import { AttackOptions, AttackResult, AttackSettings, AttackStep, baseSettings, breathe, imageIdArray, l2PerImage, pick, projectL2, runOn, StepCallback, WorstCase } from './core';
import { AttackLossName, oneHot, perImageLoss, perImageLossGradient, targetedDlrLoss, targetedDlrLossGradient } from './objective';
import { check, checkBudget, DEFAULT_EPS, DEFAULT_L2_EPS, Norm } from './threat';

/** APGD iterations per restart in AutoAttack (Croce and Hein 2020). */
export const DEFAULT_APGD_STEPS = 100;
/** Fraction of loss-increasing steps below which APGD halves its step at a checkpoint. */
export const DEFAULT_APGD_RHO = 0.75;
/** Weight of the new step in APGD's update; the previous move gets `1 - alpha`. */
export const DEFAULT_APGD_ALPHA = 0.75;

/** Options of {@link apgd}. */
export interface ApgdOptions extends AttackOptions {
  /** Default 'linf'. */
  readonly norm?: Norm;
  /** Default 8/255 (L-infinity) or 0.5 (L2). */
  readonly eps?: number;
  /** Iterations per restart (one input gradient each, plus one at the start). Default 100. */
  readonly steps?: number;
  /** Restarts from new random points, each on the images not yet fooled. Default 1. */
  readonly restarts?: number;
  /** Default 0.75. */
  readonly rho?: number;
  /** Default 0.75. */
  readonly alpha?: number;
  /**
   * One integer id per image (e.g. its index in the evaluated set) that seeds its random start
   * together with `seed`, so an image's attack does not depend on the rest of its batch.
   * Default `0..n-1`.
   */
  readonly imageIds?: ArrayLike<number>;
}

/** Result of {@link apgd} and {@link apgdTargeted}. */
export interface ApgdResult extends AttackResult {
  /**
   * Images whose input gradient was exactly zero at a random start (summed over restarts and
   * target classes): a gradient attack learns nothing there, the mark of a masked gradient.
   */
  readonly zeroGradientImages: number;
}

/** Settings of an APGD attack: its momentum and step-halving threshold are always set. */
export type ApgdSettings = AttackSettings & { readonly rho: number; readonly alpha: number };

/** The settings {@link apgd} runs with for `opts`, defaults filled in and checked. */
export function apgdSettings(classifier: Classifier, opts: ApgdOptions = {}): ApgdSettings {
  const norm = opts.norm ?? 'linf';
  const base = baseSettings(classifier, opts, norm === 'l2' ? DEFAULT_L2_EPS : DEFAULT_EPS);
  const steps = opts.steps ?? DEFAULT_APGD_STEPS;
  const restarts = opts.restarts ?? 1;
  const rho = opts.rho ?? DEFAULT_APGD_RHO;
  const alpha = opts.alpha ?? DEFAULT_APGD_ALPHA;
  check(Number.isInteger(restarts) && restarts >= 1, 'restarts', () => `must be an integer >= 1, got ${restarts}`);
  check(rho > 0 && rho < 1, 'rho', () => `must be in (0, 1), got ${rho}`);
  check(alpha > 0 && alpha <= 1, 'alpha', () => `must be in (0, 1], got ${alpha}`);
  const settings: ApgdSettings = { ...base, attack: 'apgd', norm, stepSize: 2 * base.eps, steps, restarts, randomStart: true, rho, alpha };
  checkBudget(settings);
  return settings;
}

/**
 * Auto-PGD: PGD without a step size to tune. From a random point of the eps-sphere it steps
 * with momentum, `z = P(x_k + eta_k d_k)`, `x_{k+1} = P(x_k + alpha (z - x_k) + (1 - alpha)(x_k - x_{k-1}))`
 * (`d_k` the sign of the input gradient for L-infinity, the gradient over its L2 norm for L2,
 * `P` the projection onto the eps-ball and [0, 1], `alpha = 0.75`, no momentum on the first
 * step), starting at `eta_0 = 2 eps`. At the checkpoints `w_j = ceil(p_j N)`,
 * `p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)` of the `N` steps, each
 * image halves its step and goes back to its best point when fewer than `rho = 0.75` of the
 * steps since the last checkpoint raised its loss, or when neither its step was halved nor its
 * best loss improved at the previous checkpoint. Every image is attacked on its own schedule.
 * An image leaves the run at its first misclassified iterate; the others end at their highest
 * loss. Restarts only attack the images not yet fooled; images the model already gets wrong are
 * returned unchanged.
 *
 * Loss: the model's own training loss unless `opts.loss` says otherwise; AutoAttack's APGD-CE
 * is `loss: 'cross-entropy'`, APGD-DLR `loss: 'dlr'` (invariant to the scale of the logits, so
 * it suits models trained with any loss). With `targets` the attack pulls each image towards
 * its target (the targeted DLR loss for `'dlr'`, minus the target's loss otherwise) and
 * succeeds when the prediction equals the target.
 *
 * Threat model: white box, L-infinity (default, eps 8/255) or L2 (eps 0.5), pixel scale
 * [0, 1], pixels kept in [0, 1], model in evaluation mode. The checkpoint rule follows the
 * reference implementation (fra31/auto-attack, `autopgd_base.py`: checkpoints at
 * `max(floor(0.22 N), 1)` steps, then intervals shrinking by `max(floor(0.03 N), 1)` down to
 * `max(floor(0.06 N), 1)`; a step that raised the loss is counted against the previous iterate,
 * the first against the starting point). Seeded per image: the same seed, image id and image
 * give the same result whatever else is in the batch. `onStep` gets a frame per iteration
 * showing the images of the current restart (all `n` in the first, then those not yet fooled),
 * each at its iterate, or at its first misclassified one once it left the run.
 *
 * Croce and Hein (2020), "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", ICML.
 *
 * @param x `[n, h, w, 3]` float32 pixels in [0, 1] (not disposed).
 * @param labels `n` true classes.
 */
export async function apgd(classifier: Classifier, x: tf.Tensor4D, labels: ArrayLike<number> | tf.Tensor1D, opts: ApgdOptions = {}): Promise<ApgdResult> {
  const settings = apgdSettings(classifier, opts);
  const trueLabels = labelArray(labels);
  checkBatch(classifier, x, trueLabels);
  const targets = opts.targets === undefined ? null : Int32Array.from(opts.targets);
  if (targets) checkBatch(classifier, x, targets, 'targets');
  const ids = imageIdArray(opts.imageIds, trueLabels.length);
  const goal = targets ?? trueLabels;
  const worst = await WorstCase.start(classifier, x, goal, settings.targeted);
  let zeroGradientImages = 0;
  for (let restart = 0; restart < settings.restarts; restart++) {
    const todo = worst.remaining();
    if (todo.length === 0) break;
    const out = await runOn(x, todo, (xs) =>
      apgdRun(classifier, xs, {
        ...settings,
        labels: pick(trueLabels, todo),
        targets: targets && pick(targets, todo),
        targetedSuccess: settings.targeted,
        imageIds: pick(ids, todo),
        stream: restart,
        restart,
        onStep: opts.onStep,
        signal: opts.signal,
      }),
    );
    zeroGradientImages += out.zeroGradients;
    await worst.merge(classifier, todo, out, settings.loss, goal);
  }
  return { ...(await worst.finish(classifier, x, settings, goal)), zeroGradientImages };
}

/** Everything one APGD run needs; the arrays hold one entry per image of the run. */
export interface ApgdRunPlan {
  readonly norm: Norm;
  readonly eps: number;
  readonly steps: number;
  readonly rho: number;
  readonly alpha: number;
  readonly loss: AttackLossName;
  /** True classes (what an untargeted objective pushes away from). */
  readonly labels: Int32Array;
  /** Classes the objective pulls towards, or null for an untargeted objective. */
  readonly targets: Int32Array | null;
  /** Success is `prediction == target` when true, `prediction != label` when false. */
  readonly targetedSuccess: boolean;
  readonly seed: number;
  readonly imageIds: Int32Array;
  /** Separates the random starts of restarts and target classes. */
  readonly stream: number;
  /** Reported as `AttackStep.restart`. */
  readonly restart: number;
  readonly onStep?: StepCallback;
  readonly signal?: AbortSignal;
}

/** What one APGD run found, per image of the run. */
export interface ApgdRunOutcome {
  /** `[m * h * w * c]`: the first misclassified iterate, or the highest-loss one. */
  readonly points: Float32Array;
  readonly success: Uint8Array;
  /** Images whose input gradient at the start was exactly zero. */
  readonly zeroGradients: number;
}

/**
 * One APGD run (no restarts) on every image of `x`: see {@link apgd}. Images leave the run as
 * soon as they are fooled; the step sizes, checkpoints and best points are per image, so an
 * image's trajectory does not depend on the others.
 *
 * @param x `[m, h, w, 3]` in [0, 1] (not disposed).
 */
export async function apgdRun(classifier: Classifier, x: tf.Tensor4D, plan: ApgdRunPlan): Promise<ApgdRunOutcome> {
  const m = x.shape[0];
  const d = x.shape[1] * x.shape[2] * x.shape[3];
  const points = new Float32Array(m * d);
  const success = new Uint8Array(m);
  if (m === 0) return { points, success, zeroGradients: 0 };
  const fooled = (pred: Int32Array, active: Int32Array) =>
    Uint8Array.from(active, (id, j) => Number(plan.targetedSuccess ? pred[j] === (plan.targets as Int32Array)[id] : pred[j] !== plan.labels[id]));

  // Per image of the active set: its index in the run and its APGD bookkeeping.
  let active = Int32Array.from({ length: m }, (_, i) => i);
  let stepSize = new Float64Array(m).fill(2 * plan.eps);
  let lossBest = new Float64Array(m);
  let lossPrev = new Float64Array(m);
  let lossBestAtCheck = new Float64Array(m);
  let reducedAtCheck = new Uint8Array(m).fill(1);
  let increases = new Int32Array(m);
  const t: { x: tf.Tensor4D; xAdv: tf.Tensor4D; xOld: tf.Tensor4D; grad: tf.Tensor4D; xBest: tf.Tensor4D; gradBest: tf.Tensor4D } = {
    x: tf.clone(x),
    xAdv: tf.tidy(() => tf.clipByValue(tf.add(x, tf.tensor4d(startDeltas(plan, d), x.shape)), 0, 1) as tf.Tensor4D),
    xOld: tf.zeros(x.shape) as tf.Tensor4D,
    grad: tf.zeros(x.shape) as tf.Tensor4D,
    xBest: tf.zeros(x.shape) as tf.Tensor4D,
    gradBest: tf.zeros(x.shape) as tf.Tensor4D,
  };
  let climb = climbing(plan, active, classifier.numClasses);

  /** Input gradient, per-image objective and prediction at `t.xAdv`; replaces `t.grad`. */
  const evaluate = async (): Promise<{ loss: Float32Array; pred: Int32Array }> => {
    const out = tf.tidy(() => {
      const g = classifier.inputGradient(t.xAdv, climb.objective);
      return { grad: g.grad, loss: climb.perImage(g.logits), pred: tf.argMax(g.logits, 1) };
    });
    t.grad.dispose();
    t.grad = out.grad as tf.Tensor4D;
    const loss = (await out.loss.data()) as Float32Array;
    const pred = Int32Array.from(await out.pred.data());
    tf.dispose([out.loss, out.pred]);
    return { loss, pred };
  };
  /** Copies rows `rows` of the active set of `src` into `points`. */
  const record = async (src: tf.Tensor4D, rows: number[]) => {
    if (rows.length === 0) return;
    const picked = tf.tidy(() => tf.gather(src, tf.tensor1d(rows, 'int32')));
    const values = (await picked.data()) as Float32Array;
    picked.dispose();
    rows.forEach((r, j) => points.set(values.subarray(j * d, (j + 1) * d), active[r] * d));
  };
  /** Keeps only rows `keep` of the active set. */
  const compact = (keep: number[]) => {
    if (keep.length === active.length) return;
    const idx = tf.tensor1d(keep, 'int32');
    for (const key of Object.keys(t) as Array<keyof typeof t>) {
      const old = t[key];
      t[key] = tf.gather(old, idx) as tf.Tensor4D;
      old.dispose();
    }
    idx.dispose();
    active = Int32Array.from(keep, (r) => active[r]);
    stepSize = Float64Array.from(keep, (r) => stepSize[r]);
    lossBest = Float64Array.from(keep, (r) => lossBest[r]);
    lossPrev = Float64Array.from(keep, (r) => lossPrev[r]);
    lossBestAtCheck = Float64Array.from(keep, (r) => lossBestAtCheck[r]);
    reducedAtCheck = Uint8Array.from(keep, (r) => reducedAtCheck[r]);
    increases = Int32Array.from(keep, (r) => increases[r]);
    climb.dispose();
    climb = climbing(plan, active, classifier.numClasses);
  };
  /** Records the fooled images of the active set (at the point just evaluated) and drops them. */
  const retire = async (pred: Int32Array) => {
    const hit = fooled(pred, active);
    const rows = [...hit.keys()].filter((r) => hit[r]);
    await record(t.xAdv, rows);
    rows.forEach((r) => (success[active[r]] = 1));
    compact([...hit.keys()].filter((r) => !hit[r]));
  };
  /** Selects rows of `a` where `mask` is set, else of `b`; disposes `b`. */
  const select = (mask: Uint8Array, a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D => {
    const out = tf.tidy(() => tf.where(tf.broadcastTo(tf.reshape(tf.tensor1d(mask, 'bool'), [-1, 1, 1, 1]), a.shape), a, b) as tf.Tensor4D);
    b.dispose();
    return out;
  };

  try {
    plan.signal?.throwIfAborted();
    const first = await evaluate();
    const zeroGradients = await countZeroRows(t.grad);
    first.loss.forEach((v, r) => {
      lossBest[r] = v;
      lossPrev[r] = v;
      lossBestAtCheck[r] = v;
    });
    for (const key of ['xOld', 'xBest'] as const) {
      t[key].dispose();
      t[key] = tf.clone(t.xAdv);
    }
    t.gradBest.dispose();
    t.gradBest = tf.clone(t.grad);
    await retire(first.pred);

    const checkpoints = apgdCheckpoints(plan.steps);
    let lastCheck = 0;
    for (let i = 0; i < plan.steps && active.length > 0; i++) {
      await breathe();
      plan.signal?.throwIfAborted();
      const a = i > 0 ? plan.alpha : 1;
      const next = tf.tidy(() => {
        const eta = tf.tensor4d(Float32Array.from(stepSize), [active.length, 1, 1, 1]);
        const project = (v: tf.Tensor4D) => projectOnto(plan.norm, t.x, v, plan.eps);
        const direction = plan.norm === 'linf' ? tf.sign(t.grad) : tf.div(t.grad, tf.add(l2PerImage(t.grad), 1e-12));
        const z = project(tf.add(t.xAdv, tf.mul(eta, direction)) as tf.Tensor4D);
        return project(tf.add(tf.add(t.xAdv, tf.mul(tf.sub(z, t.xAdv), a)), tf.mul(tf.sub(t.xAdv, t.xOld), 1 - a)) as tf.Tensor4D);
      });
      t.xOld.dispose();
      t.xOld = t.xAdv;
      t.xAdv = next;
      const { loss, pred } = await evaluate();

      const improved = new Uint8Array(active.length);
      loss.forEach((v, r) => {
        if (v > lossPrev[r]) increases[r] += 1;
        lossPrev[r] = v;
        if (v > lossBest[r]) {
          improved[r] = 1;
          lossBest[r] = v;
        }
      });
      t.xBest = select(improved, t.xAdv, t.xBest);
      t.gradBest = select(improved, t.grad, t.gradBest);
      const hit = fooled(pred, active);
      const hitRows = [...hit.keys()].filter((r) => hit[r]);
      await record(t.xAdv, hitRows);
      hitRows.forEach((r) => (success[active[r]] = 1));

      if (checkpoints.includes(i + 1)) {
        const interval = i + 1 - lastCheck;
        lastCheck = i + 1;
        const reduce = Uint8Array.from(increases, (inc, r) => Number(inc <= interval * plan.rho || (!reducedAtCheck[r] && lossBestAtCheck[r] >= lossBest[r])));
        reduce.forEach((flag, r) => {
          if (flag) stepSize[r] /= 2;
          reducedAtCheck[r] = flag;
          lossBestAtCheck[r] = lossBest[r];
          increases[r] = 0;
        });
        if (reduce.some((f) => f)) {
          t.xAdv = select(reduce, t.xBest, t.xAdv);
          t.grad = select(reduce, t.gradBest, t.grad);
        }
      }
      if (plan.onStep) await reportStep(plan, i + 1, t.xAdv, points, active, d, x, lossPrev);
      compact([...hit.keys()].filter((r) => !hit[r]));
    }
    await record(t.xBest, [...active.keys()]);
    return { points, success, zeroGradients };
  } finally {
    tf.dispose(Object.values(t));
    climb.dispose();
  }
}

/**
 * The iterations (1-based, out of `steps`) after which APGD checks each image's progress:
 * `ceil(p_j steps)` for `p_1 = 0.22`, `p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)`, in the
 * reference's integer form (first interval `max(floor(0.22 steps), 1)`, each next one shorter by
 * `max(floor(0.03 steps), 1)` down to `max(floor(0.06 steps), 1)`).
 */
export function apgdCheckpoints(steps: number): number[] {
  const out: number[] = [];
  const minInterval = Math.max(Math.floor(0.06 * steps), 1);
  const shrink = Math.max(Math.floor(0.03 * steps), 1);
  for (let interval = Math.max(Math.floor(0.22 * steps), 1), at = interval; at <= steps; interval = Math.max(interval - shrink, minInterval), at += interval) out.push(at);
  return out;
}

/** Projects `v` onto the eps-ball around `x` in `norm`, then onto [0, 1]. */
export function projectOnto(norm: Norm, x: tf.Tensor4D, v: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(() => (norm === 'linf' ? (tf.clipByValue(tf.minimum(tf.maximum(v, tf.sub(x, eps)), tf.add(x, eps)), 0, 1) as tf.Tensor4D) : projectL2(x, v, eps)));
}

/**
 * The random start of each image, `[m * d]`: a point of the eps-sphere, as the reference draws
 * it (`eps * t / ||t||_inf`, `t` uniform in [-1, 1], for L-infinity; `eps * g / ||g||_2`, `g`
 * Gaussian, for L2), from a generator seeded by (seed, image id, stream).
 */
function startDeltas(plan: ApgdRunPlan, d: number): Float32Array {
  const out = new Float32Array(plan.imageIds.length * d);
  plan.imageIds.forEach((id, i) => {
    const rng = new Rng(plan.seed, id, plan.stream);
    const row = out.subarray(i * d, (i + 1) * d);
    let size = 0;
    for (let j = 0; j < d; j++) {
      row[j] = plan.norm === 'linf' ? rng.uniformRange(-1, 1) : rng.normal();
      size = plan.norm === 'linf' ? Math.max(size, Math.abs(row[j])) : size + row[j] * row[j];
    }
    const scale = plan.eps / ((plan.norm === 'linf' ? size : Math.sqrt(size)) + 1e-12);
    for (let j = 0; j < d; j++) row[j] *= scale;
  });
  return out;
}

/** The objective of the images `active` of a run: its batch sum with logit gradient, and its per-image values. */
function climbing(plan: ApgdRunPlan, active: Int32Array, numClasses: number): { objective: LogitsObjective; perImage: (logits: tf.Tensor2D) => tf.Tensor1D; dispose: () => void } {
  const truth = oneHot(pick(plan.labels, active), numClasses);
  const target = plan.targets ? oneHot(pick(plan.targets, active), numClasses) : null;
  const perImage = (z: tf.Tensor2D): tf.Tensor1D =>
    tf.tidy(() => {
      if (!target) return perImageLoss(plan.loss, z, truth);
      return plan.loss === 'dlr' ? targetedDlrLoss(z, truth, target) : (tf.neg(perImageLoss(plan.loss, z, target)) as tf.Tensor1D);
    });
  const dlogits = (z: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      if (!target) return perImageLossGradient(plan.loss, z, truth);
      return plan.loss === 'dlr' ? targetedDlrLossGradient(z, truth, target) : (tf.neg(perImageLossGradient(plan.loss, z, target)) as tf.Tensor2D);
    });
  return {
    objective: (z) => tf.tidy(() => ({ value: tf.sum(perImage(z)) as tf.Scalar, dlogits: dlogits(z) })),
    perImage,
    dispose: () => tf.dispose(target ? [truth, target] : [truth]),
  };
}

/** Images (rows) of `t` whose values are all zero. */
async function countZeroRows(t: tf.Tensor4D): Promise<number> {
  const sums = tf.tidy(() => tf.sum(tf.abs(t), [1, 2, 3]));
  const values = await sums.data();
  sums.dispose();
  return values.filter((v) => v === 0).length;
}

/** Calls `plan.onStep` with the whole run's current images: the active iterates, the recorded points of the images that left. */
async function reportStep(plan: ApgdRunPlan, step: number, xAdv: tf.Tensor4D, points: Float32Array, active: Int32Array, d: number, x: tf.Tensor4D, loss: Float64Array): Promise<void> {
  const all = Float32Array.from(points);
  const current = (await xAdv.data()) as Float32Array;
  active.forEach((id, r) => all.set(current.subarray(r * d, (r + 1) * d), id * d));
  const whole = tf.tensor4d(all, x.shape);
  const stats = tf.tidy(() => {
    const delta = tf.sub(whole, x) as tf.Tensor4D;
    return tf.stack([tf.max(tf.abs(delta)), tf.max(l2PerImage(delta))]);
  });
  const [maxAbsDelta, maxL2Delta] = await stats.data();
  stats.dispose();
  const frame: AttackStep = { restart: plan.restart, step, steps: plan.steps, xAdv: whole, loss: loss.reduce((s, v) => s + v, 0) / Math.max(1, loss.length), maxAbsDelta, maxL2Delta };
  try {
    await plan.onStep?.(frame);
  } finally {
    whole.dispose();
  }
}
