import * as tf from '@tensorflow/tfjs-core';
import { LabeledBatch, Rng } from '@advlab/model';
import { Classifier, labelArray } from './classifier';
import { autoAttack, AutoAttackMember, AutoAttackVersion } from './autoattack';
import { AttackResult, AttackSettings } from './core';
import { fgsm } from './fgsm';
import { AttackLossName } from './objective';
import { pgd, pgdSettings } from './pgd';
import { check, epsLabel, formatEps, Norm } from './threat';

/** Options of {@link evaluateRobustness}; defaults are the notebook's evaluation attack. */
export interface RobustEvalOptions {
  /** Default 'linf'. */
  readonly norm?: Norm;
  /** Default 8/255 (L-infinity), 0.5 (L2). */
  readonly eps?: number;
  /** PGD steps. Default 20. */
  readonly steps?: number;
  /** PGD step size. Default 0.002 (L-infinity), `2.5 * eps / steps` (L2). */
  readonly stepSize?: number;
  /** PGD random restarts (worst case per image). Default 1. */
  readonly restarts?: number;
  /** Attack loss. Default the classifier's training loss. */
  readonly loss?: AttackLossName;
  /** Also run FGSM (L-infinity only). Default true. */
  readonly fgsm?: boolean;
  /**
   * Budgets of a robustness curve: PGD accuracy at each, same steps, step size scaled with the
   * budget (`stepSize * e / eps`). Default none.
   */
  readonly curve?: readonly number[];
  /**
   * Also run AutoAttack with this version's budget (same norm, eps and seed; image ids are the
   * positions in the evaluated set, so the result does not depend on the batching). Default none.
   */
  readonly autoAttack?: AutoAttackVersion;
  /** Seeds the random starts (per batch). Default 0. */
  readonly seed?: number;
  /** Stop after this many images. Default all. */
  readonly maxImages?: number;
  /** Aborting throws the signal's reason between steps. */
  readonly signal?: AbortSignal;
  /** Called after every batch. */
  onBatch?(p: RobustEvalProgress): void | Promise<void>;
}

/** Running totals after one batch of {@link evaluateRobustness}. */
export interface RobustEvalProgress {
  readonly batch: number;
  readonly images: number;
  readonly cleanAccuracy: number;
  readonly fgsmAccuracy: number | null;
  readonly pgdAccuracy: number;
  readonly autoAttackAccuracy: number | null;
  readonly imagesPerSecond: number;
}

/** The threat model a report was measured under. */
export interface ThreatDescription {
  readonly norm: Norm;
  readonly eps: number;
  /** `eps` as `k/255`. */
  readonly epsLabel: string;
  readonly steps: number;
  readonly stepSize: number;
  readonly restarts: number;
  readonly loss: AttackLossName;
  readonly seed: number;
  /** The AutoAttack version run beside PGD, or null. */
  readonly autoAttack: AutoAttackVersion | null;
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

/** One point of a robustness curve. */
export interface CurvePoint {
  readonly eps: number;
  readonly epsLabel: string;
  readonly stepSize: number;
  readonly accuracy: number;
}

/** Checks that make a report trustworthy; `passed` is their conjunction. */
export interface SanityChecks {
  /** PGD accuracy at eps = 0 (one step; any step is projected away). */
  readonly epsZeroAccuracy: number;
  readonly epsZeroMatchesClean: boolean;
  /** Largest `|x_adv - x|` of the main PGD attack. */
  readonly maxAbsDelta: number;
  /** Largest per-image L2 norm of the main PGD perturbation. */
  readonly maxL2Delta: number;
  /** Every attack run (PGD, FGSM, AutoAttack, curve) stayed within its own budget (+1e-6) in its norm. */
  readonly deltaWithinEps: boolean;
  readonly minPixel: number;
  readonly maxPixel: number;
  readonly pixelsInRange: boolean;
  readonly passed: boolean;
}

/** Result of {@link evaluateRobustness}. */
export interface RobustnessReport {
  readonly threat: ThreatDescription;
  readonly images: number;
  readonly cleanAccuracy: number;
  /** Null when FGSM was not run. */
  readonly fgsmAccuracy: number | null;
  readonly pgdAccuracy: number;
  /** Null when AutoAttack was not run. */
  readonly autoAttackAccuracy: number | null;
  readonly autoAttack: AutoAttackSummary | null;
  /** Accuracy when each image faces its worst case over clean, FGSM, PGD and AutoAttack. */
  readonly worstCaseAccuracy: number;
  /** Among the images the model classifies correctly, the fraction each attack flips. */
  readonly attackSuccessRate: { readonly fgsm: number | null; readonly pgd: number; readonly autoAttack: number | null; readonly worstCase: number };
  readonly perImage: {
    readonly labels: Int32Array;
    readonly clean: Int32Array;
    readonly fgsm: Int32Array | null;
    readonly pgd: Int32Array;
    /** Predictions at AutoAttack's worst case of each image. */
    readonly autoAttack: Int32Array | null;
    /** 1 where the image is classified correctly under every attack run. */
    readonly robust: Uint8Array;
  };
  readonly curve: readonly CurvePoint[];
  readonly sanity: SanityChecks;
  readonly seconds: number;
}

/**
 * Robust accuracy of a classifier over labelled batches: clean, FGSM and PGD accuracy, attack
 * success rate on the correctly classified images, per-image worst case, an optional accuracy
 * curve over budgets, and sanity checks (eps = 0 gives the clean accuracy, every perturbation
 * within its budget, pixels in [0, 1]).
 *
 * Threat model: white box, `opts.norm` (default L-infinity) in pixel scale [0, 1], model in
 * evaluation mode, its own training loss unless `opts.loss` says otherwise.
 *
 * @param batches `{ x: [n, h, w, 3] in [0, 1], labels }`; each batch is disposed once used.
 */
export async function evaluateRobustness(classifier: Classifier, batches: AsyncIterable<LabeledBatch> | Iterable<LabeledBatch>, opts: RobustEvalOptions = {}): Promise<RobustnessReport> {
  const started = Date.now();
  const main = pgdSettings(classifier, opts);
  const runFgsm = (opts.fgsm ?? true) && main.norm === 'linf';
  const curveEps = [...(opts.curve ?? [])];
  curveEps.forEach((e, i) => check(Number.isFinite(e) && e >= 0, `curve[${i}]`, () => `must be a budget >= 0, got ${e}`));
  const maxImages = opts.maxImages ?? Infinity;
  check(maxImages >= 1, 'maxImages', () => `must be >= 1, got ${maxImages}`);
  const scaledStep = (e: number) => (main.eps > 0 ? (main.stepSize * e) / main.eps : main.stepSize);
  const withinBudget = (r: Checked) => (r.settings.norm === 'linf' ? r.maxAbsDelta : r.maxL2Delta) <= r.settings.eps + 1e-6;

  const labels: number[] = [];
  const clean: number[] = [];
  const fgsmPred: number[] = [];
  const pgdPred: number[] = [];
  const aaPred: number[] = [];
  const aaBroken: Partial<Record<AutoAttackMember, number>> = {};
  const aaWarnings = new Set<string>();
  let aaAttacks: readonly AutoAttackMember[] = [];
  const zeroPred: number[] = [];
  const curveCorrect = curveEps.map(() => 0);
  const sanity = { maxAbsDelta: 0, maxL2Delta: 0, deltaWithinEps: true, minPixel: Infinity, maxPixel: -Infinity };
  const note = <T extends Checked>(r: T, isMain = false): T => {
    if (isMain) {
      sanity.maxAbsDelta = Math.max(sanity.maxAbsDelta, r.maxAbsDelta);
      sanity.maxL2Delta = Math.max(sanity.maxL2Delta, r.maxL2Delta);
    }
    sanity.deltaWithinEps &&= withinBudget(r);
    sanity.minPixel = Math.min(sanity.minPixel, r.minPixel);
    sanity.maxPixel = Math.max(sanity.maxPixel, r.maxPixel);
    r.xAdv.dispose();
    return r;
  };

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
      const seed = new Rng(main.seed, batch).nextUint32() >>> 1;
      const common = { loss: main.loss, signal: opts.signal };
      const cleanArgmax = tf.tidy(() => tf.argMax(classifier.logits(x), 1));
      const cleanBatch = Int32Array.from(await cleanArgmax.data());
      cleanArgmax.dispose();
      const p = note(await pgd(classifier, x, y, { ...common, ...main, seed }), true);
      const f = runFgsm ? note(await fgsm(classifier, x, y, { ...common, eps: main.eps })) : null;
      const zeroAt = curveEps.indexOf(0);
      for (let i = 0; i < curveEps.length; i++) {
        const r = note(await pgd(classifier, x, y, { ...common, ...main, eps: curveEps[i], stepSize: scaledStep(curveEps[i]), seed }));
        curveCorrect[i] += count(r.predictions, y);
        if (i === zeroAt) zeroPred.push(...r.predictions);
      }
      if (zeroAt < 0) zeroPred.push(...note(await pgd(classifier, x, y, { ...common, norm: main.norm, eps: 0, stepSize: 0, steps: 1, seed })).predictions);
      if (opts.autoAttack) {
        const imageIds = Int32Array.from(y, (_, i) => labels.length + i);
        const aa = await autoAttack(classifier, x, y, { version: opts.autoAttack, norm: main.norm, eps: main.eps, seed: main.seed, imageIds, signal: opts.signal });
        note(aa);
        aaPred.push(...aa.predictions);
        aa.stages.forEach((st) => (aaBroken[st.attack] = (aaBroken[st.attack] ?? 0) + st.broken));
        aa.warnings.forEach((w) => aaWarnings.add(w));
        aaAttacks = aa.stages.map((st) => st.attack);
      }
      labels.push(...y);
      clean.push(...cleanBatch);
      pgdPred.push(...p.predictions);
      if (f) fgsmPred.push(...f.predictions);
      batch += 1;
      await opts.onBatch?.({
        batch,
        images: labels.length,
        cleanAccuracy: count(clean, labels) / labels.length,
        fgsmAccuracy: f ? count(fgsmPred, labels) / labels.length : null,
        pgdAccuracy: count(pgdPred, labels) / labels.length,
        autoAttackAccuracy: opts.autoAttack ? count(aaPred, labels) / labels.length : null,
        imagesPerSecond: (1000 * y.length) / Math.max(1, Date.now() - t0),
      });
    } finally {
      x.dispose();
    }
  }
  const n = labels.length;
  if (n === 0) throw new RangeError('evaluateRobustness: the batches held no images');

  const runAa = opts.autoAttack !== undefined;
  const robust = Uint8Array.from(labels, (l, i) => Number(clean[i] === l && pgdPred[i] === l && (!runFgsm || fgsmPred[i] === l) && (!runAa || aaPred[i] === l)));
  const cleanCorrect = count(clean, labels);
  const flipped = (pred: number[]) => labels.filter((l, i) => clean[i] === l && pred[i] !== l).length / Math.max(1, cleanCorrect);
  const epsZeroAccuracy = count(zeroPred, labels) / n;
  const epsZeroMatchesClean = zeroPred.every((p, i) => p === clean[i]);
  const pixelsInRange = sanity.minPixel >= 0 && sanity.maxPixel <= 1;
  return {
    threat: { norm: main.norm, eps: main.eps, epsLabel: epsLabel(main.eps), steps: main.steps, stepSize: main.stepSize, restarts: main.restarts, loss: main.loss, seed: main.seed, autoAttack: opts.autoAttack ?? null },
    images: n,
    cleanAccuracy: cleanCorrect / n,
    fgsmAccuracy: runFgsm ? count(fgsmPred, labels) / n : null,
    pgdAccuracy: count(pgdPred, labels) / n,
    autoAttackAccuracy: runAa ? count(aaPred, labels) / n : null,
    autoAttack: opts.autoAttack ? { version: opts.autoAttack, attacks: aaAttacks, broken: aaBroken, warnings: [...aaWarnings] } : null,
    worstCaseAccuracy: robust.reduce((a, b) => a + b, 0) / n,
    attackSuccessRate: {
      fgsm: runFgsm ? flipped(fgsmPred) : null,
      pgd: flipped(pgdPred),
      autoAttack: runAa ? flipped(aaPred) : null,
      worstCase: labels.filter((l, i) => clean[i] === l && !robust[i]).length / Math.max(1, cleanCorrect),
    },
    perImage: {
      labels: Int32Array.from(labels),
      clean: Int32Array.from(clean),
      fgsm: runFgsm ? Int32Array.from(fgsmPred) : null,
      pgd: Int32Array.from(pgdPred),
      autoAttack: runAa ? Int32Array.from(aaPred) : null,
      robust,
    },
    curve: curveEps.map((e, i) => ({ eps: e, epsLabel: epsLabel(e), stepSize: scaledStep(e), accuracy: curveCorrect[i] / n })),
    sanity: { epsZeroAccuracy, epsZeroMatchesClean, ...sanity, pixelsInRange, passed: epsZeroMatchesClean && sanity.deltaWithinEps && pixelsInRange },
    seconds: (Date.now() - started) / 1000,
  };
}

/** A robustness report as text, one fact per line, budgets as numbers and k/255. */
export function formatRobustnessReport(r: RobustnessReport): string {
  const pct = (v: number | null) => (v === null ? 'not run' : `${(100 * v).toFixed(2)}%`);
  const t = r.threat;
  const lines = [
    `Threat model: ${t.norm === 'linf' ? 'L-infinity' : 'L2'}, eps = ${formatEps(t.eps)}, pixel scale [0, 1], white box, evaluation mode, loss ${t.loss}`,
    `PGD: ${t.steps} steps of ${t.stepSize}, ${t.restarts} restart${t.restarts === 1 ? '' : 's'}, seed ${t.seed}; ${r.images} images`,
    `Clean accuracy:      ${pct(r.cleanAccuracy)}`,
    `FGSM accuracy:       ${pct(r.fgsmAccuracy)}`,
    `PGD accuracy:        ${pct(r.pgdAccuracy)}`,
    `AutoAttack accuracy: ${pct(r.autoAttackAccuracy)}${r.autoAttack ? ` (${r.autoAttack.version}: ${r.autoAttack.attacks.join(', ')})` : ''}`,
    `Worst-case accuracy: ${pct(r.worstCaseAccuracy)}`,
    `Attack success on correctly classified images: FGSM ${pct(r.attackSuccessRate.fgsm)}, PGD ${pct(r.attackSuccessRate.pgd)}, AutoAttack ${pct(r.attackSuccessRate.autoAttack)}, worst case ${pct(r.attackSuccessRate.worstCase)}`,
    ...r.curve.map((c) => `  eps ${formatEps(c.eps)}: ${pct(c.accuracy)}`),
    `Sanity: eps = 0 accuracy ${pct(r.sanity.epsZeroAccuracy)} (${r.sanity.epsZeroMatchesClean ? 'matches clean' : 'DIFFERS from clean'}); ` +
      `max |delta| ${r.sanity.maxAbsDelta.toPrecision(4)}, max ||delta||_2 ${r.sanity.maxL2Delta.toPrecision(4)} (${r.sanity.deltaWithinEps ? 'within eps' : 'EXCEEDS eps'}); ` +
      `pixels in [${r.sanity.minPixel.toFixed(4)}, ${r.sanity.maxPixel.toFixed(4)}] (${r.sanity.pixelsInRange ? 'ok' : 'OUT OF RANGE'})`,
  ];
  return lines.join('\n');
}

/** What the sanity checks read from an attack's result. */
type Checked = Pick<AttackResult, 'xAdv' | 'maxAbsDelta' | 'maxL2Delta' | 'minPixel' | 'maxPixel'> & { readonly settings: Pick<AttackSettings, 'norm' | 'eps'> };

function count(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < labels.length; i++) c += Number(pred[i] === labels[i]);
  return c;
}

function disposeBatch(b: LabeledBatch): void {
  b.x.dispose();
  if (b.labels instanceof tf.Tensor) b.labels.dispose();
}
