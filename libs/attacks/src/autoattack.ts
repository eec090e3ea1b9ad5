import * as tf from '@tensorflow/tfjs-core';
import { checkBatch, Classifier, labelArray } from './classifier';
import { apgd, ApgdResult, apgdSettings } from './apgd';
import { apgdTargeted, apgdTargetedSettings } from './apgd_targeted';
import { AttackResult, AttackSettings, imageIdArray, l2PerImage, pick } from './core';
import { square, squareSettings } from './square';
import { check, DEFAULT_EPS, DEFAULT_L2_EPS, formatEps, Norm, NORMS } from './threat';

/** The attacks AutoAttack can chain. */
export type AutoAttackMember = 'apgd-ce' | 'apgd-dlr' | 'apgd-t' | 'square';

/** The members {@link AutoAttackMember} accepts, for validation messages. */
export const AUTOATTACK_MEMBERS: readonly AutoAttackMember[] = ['apgd-ce', 'apgd-dlr', 'apgd-t', 'square'];

/** Preset budgets: the reference's `standard`, or `fast` for quick checks. */
export type { AutoAttackVersion } from '@advlab/config';
import type { AutoAttackVersion } from '@advlab/config';

/** The preset names {@link AutoAttackVersion} accepts, for validation messages. */
export { AUTOATTACK_VERSIONS } from '@advlab/config';
import { AUTOATTACK_VERSIONS } from '@advlab/config';

/** Which attacks run, in order, and with what budget. */
export interface AutoAttackBudget {
  /** The cascade, in order. */
  readonly attacks: readonly AutoAttackMember[];
  /** Iterations of every APGD run (APGD-CE, APGD-DLR, and APGD-T per target class). */
  readonly apgdSteps: number;
  /** Restarts of APGD-CE and APGD-DLR. */
  readonly apgdRestarts: number;
  /** APGD-T: most likely wrong classes tried as targets (capped at classes - 1). */
  readonly targetClasses: number;
  /** APGD-T: restarts per target class. */
  readonly targetedRestarts: number;
  readonly squareQueries: number;
  readonly squarePInit: number;
  /** Stretch Square's `p` schedule to `squareQueries`. */
  readonly squareRescaleSchedule: boolean;
}

/**
 * The presets. `standard` is the reference's standard version for L-infinity and L2 (Croce and
 * Hein 2020; fra31/auto-attack `set_version('standard')`) without FAB-T, which is not
 * implemented: APGD-CE (100 iterations, 1 restart), APGD-T (9 target classes, 100 iterations, 1
 * restart each), Square (5000 queries, p_init 0.8, schedule not rescaled). `fast` keeps the
 * cascade with small budgets: APGD-CE 20 iterations, APGD-T 3 target classes of 20 iterations,
 * Square 300 queries with the schedule rescaled.
 */
export const AUTOATTACK_BUDGETS: Readonly<Record<AutoAttackVersion, AutoAttackBudget>> = {
  standard: {
    attacks: ['apgd-ce', 'apgd-t', 'square'],
    apgdSteps: 100,
    apgdRestarts: 1,
    targetClasses: 9,
    targetedRestarts: 1,
    squareQueries: 5000,
    squarePInit: 0.8,
    squareRescaleSchedule: false,
  },
  fast: {
    attacks: ['apgd-ce', 'apgd-t', 'square'],
    apgdSteps: 20,
    apgdRestarts: 1,
    targetClasses: 3,
    targetedRestarts: 1,
    squareQueries: 300,
    squarePInit: 0.8,
    squareRescaleSchedule: true,
  },
};

/** Options of {@link autoAttack}. */
export interface AutoAttackOptions {
  /** Default 'standard'. */
  readonly version?: AutoAttackVersion;
  /** Changes to the version's budget (e.g. `{ attacks: ['apgd-ce', 'apgd-dlr'] }` or `{ squareQueries: 1000 }`). */
  readonly budget?: Partial<AutoAttackBudget>;
  /** Default 'linf'. */
  readonly norm?: Norm;
  /** Default 8/255 (L-infinity) or 0.5 (L2), pixel scale [0, 1]. */
  readonly eps?: number;
  /** Every member gets this seed (as in the reference). Default 0. */
  readonly seed?: number;
  /** Images per attack call. Default 100. */
  readonly batchSize?: number;
  /** One integer id per image (its index in the evaluated set) for the per-image random draws. Default `0..n-1`. */
  readonly imageIds?: ArrayLike<number>;
  /** Aborting throws the signal's reason between steps. */
  readonly signal?: AbortSignal;
  /** Called after the clean pass, when an attack of the cascade starts, and after each of its batches. */
  onProgress?(p: AutoAttackProgress): void | Promise<void>;
}

/** Where a running {@link autoAttack} is. */
export interface AutoAttackProgress {
  /** The attack running ('clean' for the clean pass). */
  readonly attack: AutoAttackMember | 'clean';
  /** 0-based position of `attack` in the cascade (-1 for the clean pass). */
  readonly stage: number;
  readonly attacks: readonly AutoAttackMember[];
  /** Images `attack` has finished, of the `imagesToAttack` still robust when it started. */
  readonly imagesDone: number;
  readonly imagesToAttack: number;
  readonly images: number;
  /** Images still classified correctly under every attack so far. */
  readonly robust: number;
  readonly robustAccuracy: number;
}

/** One attack of the cascade, after it ran. */
export interface AutoAttackStage {
  readonly attack: AutoAttackMember;
  /** The settings it ran with. */
  readonly settings: AttackSettings;
  /** Images it attacked: those still robust when it started. */
  readonly attacked: number;
  /** Images it broke. */
  readonly broken: number;
  /** Robust accuracy after it. */
  readonly robustAccuracy: number;
  /** APGD members: images whose input gradient was exactly zero at a start. */
  readonly zeroGradientImages: number;
  readonly seconds: number;
}

/** The settings an {@link autoAttack} ran with. */
export interface AutoAttackSettings {
  readonly version: AutoAttackVersion;
  readonly norm: Norm;
  readonly eps: number;
  readonly seed: number;
  readonly budget: AutoAttackBudget;
}

/** Result of {@link autoAttack}. */
export interface AutoAttackResult {
  /** Each image's worst case `[n, h, w, c]`: the adversarial example that broke it, else the clean image. The caller owns it. */
  readonly xAdv: tf.Tensor4D;
  readonly labels: Int32Array;
  /** Clean predictions. */
  readonly clean: Int32Array;
  /** Predictions at `xAdv`. */
  readonly predictions: Int32Array;
  /** 1 where the image is classified correctly clean and under every attack. */
  readonly robust: Uint8Array;
  /** What broke each image: 'clean' when it is misclassified to begin with, null when robust. */
  readonly brokenBy: ReadonlyArray<AutoAttackMember | 'clean' | null>;
  readonly cleanAccuracy: number;
  readonly robustAccuracy: number;
  /** The attacks in the order they ran (members that could not run are left out and named in `warnings`). */
  readonly stages: readonly AutoAttackStage[];
  readonly maxAbsDelta: number;
  readonly maxL2Delta: number;
  readonly minPixel: number;
  readonly maxPixel: number;
  readonly settings: AutoAttackSettings;
  /** Signs that the evaluation may be unreliable (zero gradients, Square beating the gradient attacks), and skipped members. */
  readonly warnings: readonly string[];
  readonly seconds: number;
}

/** The settings {@link autoAttack} runs with for `opts`, defaults filled in and checked. */
export function autoAttackSettings(opts: AutoAttackOptions = {}): AutoAttackSettings {
  const version = opts.version ?? 'standard';
  check(AUTOATTACK_VERSIONS.includes(version), 'version', () => `must be one of ${AUTOATTACK_VERSIONS.join(', ')}, got ${String(version)}`);
  const norm = opts.norm ?? 'linf';
  check(NORMS.includes(norm), 'norm', () => `must be one of ${NORMS.join(', ')}, got ${String(norm)}`);
  const eps = opts.eps ?? (norm === 'l2' ? DEFAULT_L2_EPS : DEFAULT_EPS);
  const seed = opts.seed ?? 0;
  check(Number.isInteger(seed), 'seed', () => `must be an integer, got ${seed}`);
  const budget: AutoAttackBudget = { ...AUTOATTACK_BUDGETS[version], ...stripUndefined(opts.budget ?? {}) };
  check(budget.attacks.length >= 1, 'budget.attacks', () => 'name at least one attack');
  budget.attacks.forEach((a, i) => check(AUTOATTACK_MEMBERS.includes(a), `budget.attacks[${i}]`, () => `must be one of ${AUTOATTACK_MEMBERS.join(', ')}, got ${String(a)}`));
  check(new Set(budget.attacks).size === budget.attacks.length, 'budget.attacks', () => `names an attack twice: ${budget.attacks.join(', ')}`);
  for (const key of ['apgdSteps', 'apgdRestarts', 'targetClasses', 'targetedRestarts', 'squareQueries'] as const) {
    check(Number.isInteger(budget[key]) && budget[key] >= 1, `budget.${key}`, () => `must be an integer >= 1, got ${budget[key]}`);
  }
  return { version, norm, eps, seed, budget };
}

/**
 * AutoAttack: an ensemble of complementary parameter-free attacks run as a cascade. The clean
 * images are classified first; each attack then runs only on the images still classified
 * correctly, and an image counts as robust when no attack broke it. The standard cascade is
 * APGD-CE (cross-entropy on the logits, whatever the training loss), APGD-T (targeted DLR over
 * the 9 most likely wrong classes; indifferent to the logits' scale, so OVA models are attacked
 * as well as softmax ones) and the gradient-free Square attack, which exposes masked gradients.
 * See {@link AUTOATTACK_BUDGETS} for the `standard` and `fast` budgets.
 *
 * Threat model: white box (plus score-based black box for Square), L-infinity (default, eps
 * 8/255) or L2 (eps 0.5), pixel scale [0, 1], pixels kept in [0, 1], model in evaluation mode.
 * Deterministic for a seed: every random draw is seeded per image (seed, image id), so the
 * result does not depend on the batch size. Members the model cannot support (APGD-T needs 4
 * classes, APGD-DLR 3) are skipped with a warning.
 *
 * Croce and Hein (2020), "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", ICML (reference: fra31/auto-attack, `autoattack.py`).
 *
 * @param x `[n, h, w, c]` float32 pixels in [0, 1] (not disposed).
 * @param labels `n` true classes.
 */
export async function autoAttack(classifier: Classifier, x: tf.Tensor4D, labels: ArrayLike<number> | tf.Tensor1D, opts: AutoAttackOptions = {}): Promise<AutoAttackResult> {
  const started = Date.now();
  const settings = autoAttackSettings(opts);
  const y = labelArray(labels);
  checkBatch(classifier, x, y);
  const n = y.length;
  const ids = imageIdArray(opts.imageIds, n);
  const batchSize = opts.batchSize ?? 100;
  check(Number.isInteger(batchSize) && batchSize >= 1, 'batchSize', () => `must be an integer >= 1, got ${batchSize}`);
  const warnings: string[] = [];
  const attacks = settings.budget.attacks.filter((a) => {
    const needs = a === 'apgd-t' ? 4 : a === 'apgd-dlr' ? 3 : 2;
    if (classifier.numClasses >= needs) return true;
    warnings.push(`${a} skipped: it needs at least ${needs} classes, the model has ${classifier.numClasses}`);
    return false;
  });

  const cleanPred = tf.tidy(() => tf.argMax(classifier.logits(x), 1));
  const clean = Int32Array.from(await cleanPred.data());
  cleanPred.dispose();
  const predictions = Int32Array.from(clean);
  const brokenBy: Array<AutoAttackMember | 'clean' | null> = Array.from(clean, (p, i) => (p === y[i] ? null : 'clean'));
  const points = Float32Array.from((await x.data()) as Float32Array);
  const d = points.length / Math.max(1, n);
  const robustCount = () => brokenBy.filter((b) => b === null).length;
  const progress = (attack: AutoAttackMember | 'clean', stage: number, imagesDone: number, imagesToAttack: number) =>
    opts.onProgress?.({ attack, stage, attacks, imagesDone, imagesToAttack, images: n, robust: robustCount(), robustAccuracy: robustCount() / n });
  await progress('clean', -1, n, n);

  const stages: AutoAttackStage[] = [];
  for (const [stage, attack] of attacks.entries()) {
    const t0 = Date.now();
    const todo = Int32Array.from([...brokenBy.keys()].filter((i) => brokenBy[i] === null));
    let broken = 0;
    let zeroGradientImages = 0;
    const stageSettings = memberSettings(attack, classifier, settings);
    opts.signal?.throwIfAborted();
    await progress(attack, stage, 0, todo.length);
    for (let start = 0; start < todo.length; start += batchSize) {
      opts.signal?.throwIfAborted();
      const rows = todo.subarray(start, Math.min(start + batchSize, todo.length));
      const xs = tf.tidy(() => tf.gather(x, tf.tensor1d(rows, 'int32'))) as tf.Tensor4D;
      let r: AttackResult;
      try {
        r = await runMember(attack, classifier, xs, pick(y, rows), pick(ids, rows), settings, opts.signal);
      } finally {
        xs.dispose();
      }
      const adv = (await r.xAdv.data()) as Float32Array;
      r.xAdv.dispose();
      zeroGradientImages += (r as Partial<ApgdResult>).zeroGradientImages ?? 0;
      rows.forEach((i, j) => {
        if (r.predictions[j] === y[i]) return;
        brokenBy[i] = attack;
        predictions[i] = r.predictions[j];
        points.set(adv.subarray(j * d, (j + 1) * d), i * d);
        broken += 1;
      });
      await progress(attack, stage, rows.length + start, todo.length);
    }
    stages.push({
      attack,
      settings: stageSettings,
      attacked: todo.length,
      broken,
      robustAccuracy: robustCount() / n,
      zeroGradientImages,
      seconds: (Date.now() - t0) / 1000,
    });
  }

  warnings.push(...reliabilityWarnings(stages, n));
  const xAdv = tf.tensor4d(points, x.shape);
  const stats = tf.tidy(() => {
    const delta = tf.sub(xAdv, x) as tf.Tensor4D;
    return tf.stack([tf.max(tf.abs(delta)), tf.max(l2PerImage(delta)), tf.min(xAdv), tf.max(xAdv)]);
  });
  const [maxAbsDelta, maxL2Delta, minPixel, maxPixel] = await stats.data();
  stats.dispose();
  const robust = Uint8Array.from(brokenBy, (b) => Number(b === null));
  return {
    xAdv,
    labels: y,
    clean,
    predictions,
    robust,
    brokenBy,
    cleanAccuracy: clean.filter((p, i) => p === y[i]).length / n,
    robustAccuracy: robustCount() / n,
    stages,
    maxAbsDelta,
    maxL2Delta,
    minPixel,
    maxPixel,
    settings,
    warnings,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The options a member of the cascade runs with (image ids and signal aside). */
function memberOptions(attack: AutoAttackMember, s: AutoAttackSettings) {
  const b = s.budget;
  const common = { norm: s.norm, eps: s.eps, seed: s.seed };
  return {
    apgd: { ...common, loss: attack === 'apgd-dlr' ? ('dlr' as const) : ('cross-entropy' as const), steps: b.apgdSteps, restarts: b.apgdRestarts },
    apgdTargeted: { ...common, steps: b.apgdSteps, restarts: b.targetedRestarts, targetClasses: b.targetClasses },
    square: { ...common, queries: b.squareQueries, pInit: b.squarePInit, rescaleSchedule: b.squareRescaleSchedule },
  };
}

/** Runs one member of the cascade on a batch. */
function runMember(attack: AutoAttackMember, classifier: Classifier, x: tf.Tensor4D, labels: Int32Array, imageIds: Int32Array, s: AutoAttackSettings, signal?: AbortSignal): Promise<AttackResult> {
  const o = memberOptions(attack, s);
  const call = { imageIds, signal };
  if (attack === 'apgd-t') return apgdTargeted(classifier, x, labels, { ...o.apgdTargeted, ...call });
  if (attack === 'square') return square(classifier, x, labels, { ...o.square, ...call });
  return apgd(classifier, x, labels, { ...o.apgd, ...call });
}

/** The settings a member of the cascade runs with. */
function memberSettings(attack: AutoAttackMember, classifier: Classifier, s: AutoAttackSettings): AttackSettings {
  const o = memberOptions(attack, s);
  if (attack === 'apgd-t') return apgdTargetedSettings(classifier, o.apgdTargeted);
  if (attack === 'square') return squareSettings(classifier, o.square);
  return apgdSettings(classifier, o.apgd);
}

/**
 * The reference's checks of a finished evaluation: input gradients that are exactly zero, and
 * Square lowering the robust accuracy by more than 0.2% after the gradient attacks (a gradient
 * attack should find what a random search finds).
 */
function reliabilityWarnings(stages: readonly AutoAttackStage[], n: number): string[] {
  const out: string[] = [];
  const zero = stages.reduce((s, st) => s + st.zeroGradientImages, 0);
  if (zero > 0) {
    out.push(`${zero} APGD starts had an exactly zero input gradient: gradient attacks cannot move there, a sign of gradient masking; trust the gradient-free attacks' result`);
  }
  const sq = stages.findIndex((st) => st.attack === 'square');
  if (sq > 0 && stages[sq].broken / n > 0.002) {
    out.push(
      `Square lowered the robust accuracy by ${((100 * stages[sq].broken) / n).toFixed(2)}% after the gradient-based attacks: their gradients may be masked, so the evaluation may be unreliable`,
    );
  }
  return out;
}

/** An AutoAttack result as text: threat model, cascade, accuracies and warnings. */
export function formatAutoAttackReport(r: AutoAttackResult): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const s = r.settings;
  const b = s.budget;
  return [
    `AutoAttack (${s.version}): ${s.norm === 'linf' ? 'L-infinity' : 'L2'}, eps = ${formatEps(s.eps)}, pixel scale [0, 1], seed ${s.seed}; ${r.labels.length} images`,
    `Budget: APGD ${b.apgdSteps} iterations x ${b.apgdRestarts} restart(s); APGD-T ${b.targetClasses} target classes x ${b.targetedRestarts} restart(s); Square ${b.squareQueries} queries (p_init ${b.squarePInit}${b.squareRescaleSchedule ? ', schedule rescaled' : ''})`,
    `Clean accuracy:  ${pct(r.cleanAccuracy)}`,
    ...r.stages.map((st) => `  after ${st.attack.padEnd(8)} ${pct(st.robustAccuracy)} (broke ${st.broken} of ${st.attacked}, ${st.seconds.toFixed(1)} s)`),
    `Robust accuracy: ${pct(r.robustAccuracy)}`,
    `Sanity: max |delta| ${r.maxAbsDelta.toPrecision(4)}, max ||delta||_2 ${r.maxL2Delta.toPrecision(4)}, pixels in [${r.minPixel.toFixed(4)}, ${r.maxPixel.toFixed(4)}]`,
    ...r.warnings.map((w) => `Warning: ${w}`),
  ].join('\n');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
