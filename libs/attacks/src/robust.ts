import { ATTACK_FIELDS, attackTitle, epsLabel, formatEps, type AttackSpec } from '@advlab/config';
import { LabeledBatch, Rng } from '@advlab/model';
import * as tf from '@tensorflow/tfjs-core';
import type { AutoAttackMember, AutoAttackVersion } from './autoattack';
import { Classifier, labelArray } from './classifier';
import type { AttackSettings } from './core';
import { runAttackSpec, type SpecResult } from './dispatch';
import { check } from './threat';

/**
 * The one robust evaluator: every attack of a list on every image, per-image worst case, a
 * robustness curve, and the sanity checks that make the figures trustworthy (every
 * perturbation within its budget, pixels in [0, 1], the attack at eps = 0 predicting exactly
 * the clean classes). The services, the CLI's reports, the benchmarks and the tests all go
 * through it.
 */

/** The notebook's evaluation: PGD-20 (step 0.002) and FGSM at 8/255, L-infinity. */
export function notebookAttacks(eps = ATTACK_FIELDS.epsilonLinf.default as number): AttackSpec[] {
  const common = { norm: 'linf' as const, eps, restarts: 1, randomStart: true };
  return [
    { kind: 'pgd', ...common, stepSize: ATTACK_FIELDS.stepSizeLinf.default as number, steps: ATTACK_FIELDS.evaluationSteps.default as number },
    { kind: 'fgsm', ...common, stepSize: eps, steps: 1, randomStart: false },
  ];
}

/** Options of {@link evaluateRobustness}. */
export interface RobustEvalOptions {
  /** The attacks, each run on every image. Default {@link notebookAttacks}. */
  readonly attacks?: readonly AttackSpec[];
  /**
   * Budgets of a robustness curve: the first attack's accuracy at each (its step size scaled
   * with the budget, `stepSize * e / eps`). Default none.
   */
  readonly curve?: readonly number[];
  /** Seeds the random starts (per batch, per attack). Default 0. */
  readonly seed?: number;
  /** Stop after this many images. Default all. */
  readonly maxImages?: number;
  /** Aborting throws the signal's reason between steps. */
  readonly signal?: AbortSignal;
  /** Called after every batch. */
  onBatch?(p: RobustEvalProgress): void | Promise<void>;
  /** Called when an attack starts on a batch, and for AutoAttack when each member of its cascade starts or finishes a part of it. */
  onAttack?(p: RobustEvalStep): void | Promise<void>;
}

/** Where {@link evaluateRobustness} is within a batch. */
export interface RobustEvalStep {
  /** Position of the attack in `attacks`, from 0. */
  readonly attack: number;
  /** `PGD-20`, `AutoAttack (fast)`. */
  readonly title: string;
  /** AutoAttack: the member of the cascade running; null for other attacks (and AutoAttack's clean pass). */
  readonly stage: AutoAttackMember | null;
  /** Images every attack has finished (the batches before this one). */
  readonly imagesDone: number;
  /** Images in the batch being attacked. */
  readonly batchImages: number;
}

/** Running totals after one batch of {@link evaluateRobustness}. */
export interface RobustEvalProgress {
  readonly batch: number;
  readonly images: number;
  readonly cleanAccuracy: number;
  /** Robust accuracy so far, one per attack, in order. */
  readonly accuracies: readonly number[];
  readonly imagesPerSecond: number;
}

/** What AutoAttack did over the evaluated set. */
export interface AutoAttackSummary {
  readonly version: AutoAttackVersion;
  readonly attacks: readonly AutoAttackMember[];
  /** Images each attack of the cascade broke (only images no earlier attack broke). */
  readonly broken: Readonly<Partial<Record<AutoAttackMember, number>>>;
  /** The warnings of every batch, each once. */
  readonly warnings: readonly string[];
}

/** Checks of one attack's results; `passed` is their conjunction. */
export interface SanityChecks {
  /** Largest perturbation in the attack's norm (max |delta| for L-infinity, max ||delta||_2 for L2). */
  readonly maxPerturbation: number;
  readonly withinBudget: boolean;
  readonly minPixel: number;
  readonly maxPixel: number;
  readonly pixelsInRange: boolean;
  /** Accuracy of the same attack at eps = 0 (one step; Square and AutoAttack: one PGD step). */
  readonly epsZeroAccuracy: number;
  /** At eps = 0 every image is predicted exactly as clean (per image, not just the same accuracy). */
  readonly epsZeroMatchesClean: boolean;
  readonly passed: boolean;
}

/** One attack's figures over the evaluated set. */
export interface AttackEvaluation {
  readonly spec: AttackSpec;
  /** `PGD-20`, `FGSM`, `AutoAttack (fast)`. */
  readonly title: string;
  /** The settings the attack ran with (AutoAttack: those of its first member). */
  readonly settings: AttackSettings;
  readonly accuracy: number;
  /** Among the images classified correctly, the fraction the attack flipped. */
  readonly successRate: number;
  /** Mean attack loss of the adversarial images (NaN for AutoAttack, whose members climb different losses). */
  readonly meanLoss: number;
  readonly predictions: Int32Array;
  /** 1 where the image is classified correctly after the attack. */
  readonly correct: Uint8Array;
  readonly sanity: SanityChecks;
  readonly autoAttack: AutoAttackSummary | null;
  readonly seconds: number;
}

/** One point of a robustness curve. */
export interface CurvePoint {
  readonly eps: number;
  readonly epsLabel: string;
  readonly stepSize: number;
  readonly accuracy: number;
}

/** Result of {@link evaluateRobustness}. */
export interface RobustnessReport {
  readonly images: number;
  readonly labels: Int32Array;
  readonly cleanPredictions: Int32Array;
  readonly cleanAccuracy: number;
  /** In the order asked. */
  readonly attacks: readonly AttackEvaluation[];
  /** Accuracy when each image faces its worst case over every attack. */
  readonly worstCaseAccuracy: number;
  /** Among the images classified correctly, the fraction some attack flipped. */
  readonly worstCaseSuccessRate: number;
  /** 1 where the image is classified correctly clean and under every attack. */
  readonly robust: Uint8Array;
  readonly curve: readonly CurvePoint[];
  /** Every attack's sanity checks passed. */
  readonly sanityPassed: boolean;
  readonly seconds: number;
}

/**
 * Robust accuracy of a classifier over labelled batches under each attack of `opts.attacks`.
 *
 * Threat model: white box, each attack's norm and budget in pixel scale [0, 1], the model in
 * evaluation mode, its own training loss unless an attack names another.
 *
 * @param batches `{ x: [n, h, w, 3] in [0, 1], labels }`; each batch is disposed once used.
 */
export async function evaluateRobustness(classifier: Classifier, batches: AsyncIterable<LabeledBatch> | Iterable<LabeledBatch>, opts: RobustEvalOptions = {}): Promise<RobustnessReport> {
  const started = Date.now();
  const specs = [...(opts.attacks ?? notebookAttacks())];
  check(specs.length >= 1, 'attacks', () => 'give at least one attack');
  const curveEps = [...(opts.curve ?? [])];
  curveEps.forEach((e, i) => check(Number.isFinite(e) && e >= 0, `curve[${i}]`, () => `must be a budget >= 0, got ${e}`));
  const curveBase = specs[0];
  const scaledStep = (e: number) => (curveBase.eps > 0 ? (curveBase.stepSize * e) / curveBase.eps : curveBase.stepSize);
  const maxImages = opts.maxImages ?? Infinity;
  check(maxImages >= 1, 'maxImages', () => `must be >= 1, got ${maxImages}`);
  const seed = opts.seed ?? 0;

  const labels: number[] = [];
  const clean: number[] = [];
  const runs = specs.map(() => ({
    predictions: [] as number[],
    zero: [] as number[],
    lossSum: 0,
    maxPerturbation: 0,
    minPixel: Infinity,
    maxPixel: -Infinity,
    settings: null as AttackSettings | null,
    broken: {} as Partial<Record<AutoAttackMember, number>>,
    members: [] as AutoAttackMember[],
    warnings: new Set<string>(),
    millis: 0,
  }));
  const curveCorrect = curveEps.map(() => 0);
  const drop = (r: SpecResult) => r.xAdv.dispose();

  let batch = 0;
  for await (const b of batches) {
    const room = maxImages - labels.length;
    if (room <= 0) {
      disposeBatch(b);
      break;
    }
    let x = b.x;
    let y = labelArray(b.labels);
    if (b.labels instanceof tf.Tensor) b.labels.dispose();
    if (y.length > room) {
      const cut = tf.slice(x, 0, room) as tf.Tensor4D;
      x.dispose();
      x = cut;
      y = y.slice(0, room);
    }
    try {
      const t0 = Date.now();
      const imageIds = Int32Array.from(y, (_, i) => labels.length + i);
      const cleanArgmax = tf.tidy(() => tf.argMax(classifier.logits(x), 1));
      const cleanBatch = Int32Array.from(await cleanArgmax.data());
      cleanArgmax.dispose();
      for (const [k, spec] of specs.entries()) {
        const run = runs[k];
        // APGD, Square and AutoAttack seed every image by its id: their result does not depend on the batching.
        const attackSeed = SEEDED_PER_IMAGE.has(spec.kind) ? seed : new Rng(seed, batch, k).nextUint32() >>> 1;
        const t = Date.now();
        const step = { attack: k, title: attackTitle(spec), imagesDone: labels.length, batchImages: y.length };
        await opts.onAttack?.({ ...step, stage: null });
        const r = await runAttackSpec(classifier, x, y, spec, {
          seed: attackSeed,
          signal: opts.signal,
          imageIds,
          onAutoAttackProgress: opts.onAttack && ((p) => (p.attack === 'clean' ? undefined : opts.onAttack?.({ ...step, stage: p.attack }))),
        });
        run.millis += Date.now() - t;
        run.settings ??= r.settings;
        run.predictions.push(...r.predictions);
        for (const l of r.losses) run.lossSum += l;
        run.maxPerturbation = Math.max(run.maxPerturbation, spec.norm === 'l2' ? r.maxL2Delta : r.maxAbsDelta);
        run.minPixel = Math.min(run.minPixel, r.minPixel);
        run.maxPixel = Math.max(run.maxPixel, r.maxPixel);
        if (r.autoAttack) {
          r.autoAttack.stages.forEach((st) => (run.broken[st.attack] = (run.broken[st.attack] ?? 0) + st.broken));
          r.autoAttack.warnings.forEach((w) => run.warnings.add(w));
          run.members = r.autoAttack.stages.map((st) => st.attack);
        }
        drop(r);
        const zero = await runAttackSpec(classifier, x, y, epsZero(spec), { seed: attackSeed, signal: opts.signal, imageIds });
        run.zero.push(...zero.predictions);
        drop(zero);
      }
      for (let i = 0; i < curveEps.length; i++) {
        const r = await runAttackSpec(classifier, x, y, { ...curveBase, eps: curveEps[i], stepSize: scaledStep(curveEps[i]) }, { seed: new Rng(seed, batch, -1).nextUint32() >>> 1, signal: opts.signal, imageIds });
        curveCorrect[i] += count(r.predictions, y);
        drop(r);
      }
      labels.push(...y);
      clean.push(...cleanBatch);
      batch += 1;
      await opts.onBatch?.({
        batch,
        images: labels.length,
        cleanAccuracy: count(clean, labels) / labels.length,
        accuracies: runs.map((r) => count(r.predictions, labels) / labels.length),
        imagesPerSecond: (1000 * y.length) / Math.max(1, Date.now() - t0),
      });
    } finally {
      x.dispose();
    }
  }
  const n = labels.length;
  if (n === 0) throw new RangeError('evaluateRobustness: the batches held no images');

  const cleanCorrect = count(clean, labels);
  const flipped = (pred: number[]) => labels.filter((l, i) => clean[i] === l && pred[i] !== l).length / Math.max(1, cleanCorrect);
  const attacks: AttackEvaluation[] = specs.map((spec, k) => {
    const run = runs[k];
    const withinBudget = run.maxPerturbation <= spec.eps + 1e-6;
    const pixelsInRange = run.minPixel >= 0 && run.maxPixel <= 1;
    const epsZeroMatchesClean = run.zero.every((p, i) => p === clean[i]);
    return {
      spec,
      title: attackTitle(spec),
      settings: run.settings as AttackSettings,
      accuracy: count(run.predictions, labels) / n,
      successRate: flipped(run.predictions),
      meanLoss: run.lossSum / n,
      predictions: Int32Array.from(run.predictions),
      correct: Uint8Array.from(labels, (l, i) => Number(run.predictions[i] === l)),
      sanity: {
        maxPerturbation: run.maxPerturbation,
        withinBudget,
        minPixel: run.minPixel,
        maxPixel: run.maxPixel,
        pixelsInRange,
        epsZeroAccuracy: count(run.zero, labels) / n,
        epsZeroMatchesClean,
        passed: withinBudget && pixelsInRange && epsZeroMatchesClean,
      },
      autoAttack: spec.kind === 'autoattack' ? { version: spec.autoAttack ?? 'standard', attacks: run.members, broken: run.broken, warnings: [...run.warnings] } : null,
      seconds: run.millis / 1000,
    };
  });
  const robust = Uint8Array.from(labels, (l, i) => Number(clean[i] === l && attacks.every((a) => a.correct[i] === 1)));
  return {
    images: n,
    labels: Int32Array.from(labels),
    cleanPredictions: Int32Array.from(clean),
    cleanAccuracy: cleanCorrect / n,
    attacks,
    worstCaseAccuracy: robust.reduce((a, b) => a + b, 0) / n,
    worstCaseSuccessRate: labels.filter((l, i) => clean[i] === l && !robust[i]).length / Math.max(1, cleanCorrect),
    robust,
    curve: curveEps.map((e, i) => ({ eps: e, epsLabel: epsLabel(e), stepSize: scaledStep(e), accuracy: curveCorrect[i] / n })),
    sanityPassed: attacks.every((a) => a.sanity.passed),
    seconds: (Date.now() - started) / 1000,
  };
}

const SEEDED_PER_IMAGE: ReadonlySet<AttackSpec['kind']> = new Set(['apgd', 'apgd-t', 'square', 'autoattack']);

/** The same attack at eps = 0 and one step (Square and AutoAttack: one PGD step), for the sanity check. */
function epsZero(spec: AttackSpec): AttackSpec {
  if (spec.kind === 'square' || spec.kind === 'autoattack') return { ...spec, kind: 'pgd', eps: 0, steps: 1, restarts: 1 };
  return { ...spec, eps: 0, steps: 1, restarts: 1 };
}

/** The evaluation of the first attack of `kind` in a report. */
export function attackEvaluation(report: RobustnessReport, kind: AttackSpec['kind']): AttackEvaluation | undefined {
  return report.attacks.find((a) => a.spec.kind === kind);
}

/** A robustness report as text, one fact per line, budgets as numbers and k/255. */
export function formatRobustnessReport(r: RobustnessReport): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const lines = [`${r.images} images; clean accuracy ${pct(r.cleanAccuracy)}`];
  for (const a of r.attacks) {
    const s = a.spec;
    lines.push(
      `${a.title}: ${s.norm === 'linf' ? 'L-infinity' : 'L2'} eps ${formatEps(s.eps)}${s.kind === 'pgd' ? `, step ${s.stepSize}, ${s.restarts} restart${s.restarts === 1 ? '' : 's'}` : ''}; ` +
        `accuracy ${pct(a.accuracy)}, success on correct images ${pct(a.successRate)}` +
        (a.autoAttack ? ` (${a.autoAttack.attacks.join(', ')})` : ''),
      `  sanity: eps = 0 accuracy ${pct(a.sanity.epsZeroAccuracy)} (${a.sanity.epsZeroMatchesClean ? 'predictions match clean' : 'DIFFERS from clean'}); ` +
        `max perturbation ${a.sanity.maxPerturbation.toPrecision(4)} (${a.sanity.withinBudget ? 'within eps' : 'EXCEEDS eps'}); ` +
        `pixels in [${a.sanity.minPixel.toFixed(4)}, ${a.sanity.maxPixel.toFixed(4)}] (${a.sanity.pixelsInRange ? 'ok' : 'OUT OF RANGE'})`,
    );
  }
  lines.push(`Worst-case accuracy: ${pct(r.worstCaseAccuracy)}`);
  for (const c of r.curve) lines.push(`  eps ${formatEps(c.eps)}: ${pct(c.accuracy)}`);
  return lines.join('\n');
}

function count(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < labels.length; i++) c += Number(pred[i] === labels[i]);
  return c;
}

function disposeBatch(b: LabeledBatch): void {
  b.x.dispose();
  if (b.labels instanceof tf.Tensor) b.labels.dispose();
}
