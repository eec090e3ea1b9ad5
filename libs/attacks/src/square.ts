import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@advlab/model';
import { checkBatch, Classifier, labelArray } from './classifier';
import { AttackOptions, AttackResult, AttackSettings, baseSettings, breathe, imageIdArray, pick, runOn, WorstCase } from './core';
import { check, checkBudget, DEFAULT_EPS, DEFAULT_L2_EPS, Norm } from './threat';

/** Square's query budget per restart in AutoAttack's standard version. */
export const DEFAULT_SQUARE_QUERIES = 5000;
/** Initial fraction of the pixels one square covers (AutoAttack's 0.8). */
export const DEFAULT_SQUARE_P_INIT = 0.8;

/** The losses Square can descend: the margin (default) or the cross-entropy. */
export type SquareLoss = 'margin' | 'cross-entropy';

/** Options of {@link square}. */
export interface SquareOptions extends Omit<AttackOptions, 'loss'> {
  /** Default 'linf'. */
  readonly norm?: Norm;
  /** Default 8/255 (L-infinity) or 0.5 (L2). */
  readonly eps?: number;
  /** Iterations per restart, one model query each (plus one for the start). Default 5000. */
  readonly queries?: number;
  /** Initial fraction of pixels a square covers. Default 0.8. */
  readonly pInit?: number;
  /** Default 1; each restart attacks the images not yet fooled from a new start. */
  readonly restarts?: number;
  /**
   * Stretch the schedule of `p` (written for 10,000 queries) to `queries`. Default false, as in
   * AutoAttack's standard version; set it for small budgets so the squares still shrink.
   */
  readonly rescaleSchedule?: boolean;
  /** Default 'margin'. */
  readonly loss?: SquareLoss;
  /** One integer id per image seeding its draws with `seed`. Default `0..n-1`. */
  readonly imageIds?: ArrayLike<number>;
}

/** Result of {@link square}. */
export interface SquareResult extends AttackResult {
  /** Model queries spent on each image, the start included (0 for images misclassified to begin with). */
  readonly queries: Int32Array;
}

/** The settings {@link square} runs with for `opts`, defaults filled in and checked. */
export function squareSettings(classifier: Classifier, opts: SquareOptions = {}): AttackSettings & { readonly pInit: number; readonly rescaleSchedule: boolean } {
  const norm = opts.norm ?? 'linf';
  const loss = opts.loss ?? 'margin';
  check(loss === 'margin' || loss === 'cross-entropy', 'loss', () => `Square descends the margin or the cross-entropy, got ${String(loss)}`);
  const base = baseSettings(classifier, { ...opts, loss }, norm === 'l2' ? DEFAULT_L2_EPS : DEFAULT_EPS);
  const queries = opts.queries ?? DEFAULT_SQUARE_QUERIES;
  const restarts = opts.restarts ?? 1;
  const pInit = opts.pInit ?? DEFAULT_SQUARE_P_INIT;
  check(Number.isInteger(queries) && queries >= 1, 'queries', () => `must be an integer >= 1, got ${queries}`);
  check(Number.isInteger(restarts) && restarts >= 1, 'restarts', () => `must be an integer >= 1, got ${restarts}`);
  check(pInit > 0 && pInit <= 1, 'pInit', () => `must be a fraction of the pixels in (0, 1], got ${pInit}`);
  const [h, w] = classifier.imageShape;
  check(norm === 'linf' || Math.min(h, w) >= 5, 'norm', () => `L2 Square tiles the image with 5 x 5 squares; images of ${h} x ${w} are too small`);
  const settings = { ...base, attack: 'square' as const, norm, stepSize: 0, steps: queries, restarts, randomStart: true, pInit, rescaleSchedule: opts.rescaleSchedule ?? false };
  checkBudget(settings);
  return settings;
}

/**
 * Square Attack: a score-based black-box attack that needs only the logits, never a gradient,
 * so a masked or obfuscated gradient does not stop it. It starts from vertical stripes
 * (`x + eps * s`, a random sign `s` per column and channel) for L-infinity, or from a grid of
 * 5 x 5 tiles of the `eta` pattern scaled to norm eps for L2, then, query by query, changes one
 * random square window of side `sqrt(p h w)` (a random sign per channel at `x +- eps` for
 * L-infinity; for L2 a new `eta` pattern in one window, mass moved from a second one) and keeps
 * the change when it lowers the loss (the margin `z_y - max_{j != y} z_j` by default) or fools
 * the model. `p` starts at `pInit = 0.8` and halves at queries 10, 50, 200, 500, 1000, 2000,
 * 4000, 6000 and 8000 (of 10,000; stretched to `queries` with `rescaleSchedule`). Images leave
 * once fooled. With `targets` it descends `max_{j != t} z_j - z_t` (or the target's
 * cross-entropy) and succeeds when the prediction is the target.
 *
 * Threat model: black box with scores (only `classifier.logits` is called), L-infinity
 * (default, eps 8/255) or L2 (eps 0.5, images at least 5 x 5), pixel scale [0, 1], pixels kept
 * in [0, 1]. Defaults are AutoAttack's: 5000 queries, `pInit` 0.8, 1 restart, the schedule not
 * rescaled. Windows and signs are drawn per image from (seed, image id, restart), so an image's
 * attack does not depend on the rest of its batch (the reference draws one window per batch), and
 * a window is placed uniformly over all `h - s + 1` rows and `w - s + 1` columns where it fits
 * (the reference draws from `h - s` of them, so small squares never reach the last row or column).
 * `onStep` gets a frame per query iteration with the best points of the current restart's images.
 *
 * Andriushchenko, Croce, Flammarion and Hein (2020), "Square Attack: a query-efficient
 * black-box adversarial attack via random search", ECCV (reference: fra31/auto-attack,
 * `square.py`).
 *
 * @param x `[n, h, w, c]` float32 pixels in [0, 1] (not disposed).
 * @param labels `n` true classes.
 */
export async function square(classifier: Classifier, x: tf.Tensor4D, labels: ArrayLike<number> | tf.Tensor1D, opts: SquareOptions = {}): Promise<SquareResult> {
  const settings = squareSettings(classifier, opts);
  const trueLabels = labelArray(labels);
  checkBatch(classifier, x, trueLabels);
  const targets = opts.targets === undefined ? null : Int32Array.from(opts.targets);
  if (targets) checkBatch(classifier, x, targets, 'targets');
  const goal = targets ?? trueLabels;
  const ids = imageIdArray(opts.imageIds, goal.length);
  const worst = await WorstCase.start(classifier, x, goal, settings.targeted);
  const queries = new Int32Array(goal.length);
  for (let restart = 0; restart < settings.restarts; restart++) {
    const todo = worst.remaining();
    if (todo.length === 0) break;
    const out = await runOn(x, todo, async (xs) => new SquareRun(classifier, (await xs.data()) as Float32Array, pick(goal, todo), pick(ids, todo), restart, settings).run(opts));
    todo.forEach((i, j) => (queries[i] += out.queries[j]));
    await worst.merge(classifier, todo, out, settings.loss, goal);
  }
  return { ...(await worst.finish(classifier, x, settings, goal)), queries };
}

/** The `p` of query `it` (0-based): the paper's halvings at 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000. */
export function squareFraction(it: number, pInit: number, queries: number, rescale: boolean): number {
  const i = rescale ? Math.floor((it / queries) * 10000) : it;
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let halvings = 0;
  while (halvings < bounds.length && i > bounds[halvings]) halvings++;
  return pInit / 2 ** halvings;
}

/** One restart of Square on some images, kept on the CPU: clean rows, best rows and their scores. */
class SquareRun {
  private readonly h: number;
  private readonly w: number;
  private readonly c: number;
  private readonly d: number;
  private readonly m: number;
  private readonly best: Float32Array;
  private readonly rngs: Rng[];
  private readonly margin: Float64Array;
  private readonly loss: Float64Array;
  private readonly queries: Int32Array;

  constructor(
    private readonly classifier: Classifier,
    private readonly x: Float32Array,
    private readonly goal: Int32Array,
    ids: Int32Array,
    private readonly restart: number,
    private readonly settings: AttackSettings & { readonly pInit: number; readonly rescaleSchedule: boolean },
  ) {
    [this.h, this.w, this.c] = classifier.imageShape;
    this.d = this.h * this.w * this.c;
    this.m = goal.length;
    this.best = new Float32Array(x.length);
    this.rngs = Array.from(ids, (id) => new Rng(settings.seed, id, restart, SQUARE_STREAM));
    this.margin = new Float64Array(this.m);
    this.loss = new Float64Array(this.m);
    this.queries = new Int32Array(this.m);
  }

  async run(opts: Pick<SquareOptions, 'onStep' | 'signal'>): Promise<{ points: Float32Array; success: Uint8Array; queries: Int32Array }> {
    opts.signal?.throwIfAborted();
    for (let i = 0; i < this.m; i++) this.start(i);
    const all = Int32Array.from({ length: this.m }, (_, i) => i);
    const first = await this.score(this.best, all);
    all.forEach((i) => {
      this.margin[i] = first.margin[i];
      this.loss[i] = first.loss[i];
      this.queries[i] = 1;
    });
    const queries = this.settings.steps;
    for (let it = 0; it < queries; it++) {
      const active = Int32Array.from([...this.margin.keys()].filter((i) => this.margin[i] > 0));
      if (active.length === 0) break;
      await breathe();
      opts.signal?.throwIfAborted();
      const p = squareFraction(it, this.settings.pInit, queries, this.settings.rescaleSchedule);
      const candidates = new Float32Array(active.length * this.d);
      active.forEach((i, j) => this.propose(i, p, candidates.subarray(j * this.d, (j + 1) * this.d)));
      const s = await this.score(candidates, active);
      active.forEach((i, j) => {
        this.queries[i] += 1;
        const improved = s.loss[j] < this.loss[i];
        if (improved) this.loss[i] = s.loss[j];
        if (improved || s.margin[j] <= 0) {
          this.margin[i] = s.margin[j];
          this.best.set(candidates.subarray(j * this.d, (j + 1) * this.d), i * this.d);
        }
      });
      if (opts.onStep) await this.report(opts.onStep, it + 1);
    }
    return { points: this.best, success: Uint8Array.from(this.margin, (v) => Number(v <= 0)), queries: this.queries };
  }

  /** Writes image `i`'s starting point into `best`. */
  private start(i: number): void {
    const { h, w, c, d } = this;
    const eps = this.settings.eps;
    const rng = this.rngs[i];
    const x = this.x.subarray(i * d, (i + 1) * d);
    const out = this.best.subarray(i * d, (i + 1) * d);
    if (this.settings.norm === 'linf') {
      // Vertical stripes: one sign per column and channel.
      const signs = Float32Array.from({ length: w * c }, () => randomSign(rng));
      for (let r = 0; r < h; r++) for (let k = 0; k < w * c; k++) out[r * w * c + k] = clip01(x[r * w * c + k] + eps * signs[k]);
      return;
    }
    const delta = new Float64Array(d);
    const s = Math.floor(h / 5);
    const offset = Math.floor((h - 5 * s) / 2);
    for (let bi = 0, vh = offset; bi < Math.floor(h / s); bi++, vh += s) {
      for (let bj = 0, vw = offset; bj < Math.floor(w / s); bj++, vw += s) {
        const pattern = eta(s, rng);
        const signs = Array.from({ length: c }, () => randomSign(rng));
        for (let a = 0; a < s && vh + a < h; a++) {
          for (let b = 0; b < s && vw + b < w; b++) {
            for (let ch = 0; ch < c; ch++) delta[((vh + a) * w + vw + b) * c + ch] += pattern[a * s + b] * signs[ch];
          }
        }
      }
    }
    const scale = eps / (Math.sqrt(delta.reduce((sum, v) => sum + v * v, 0)) + 1e-12);
    for (let j = 0; j < d; j++) out[j] = clip01(x[j] + delta[j] * scale);
  }

  /** Writes into `out` image `i`'s best point with one square window changed. */
  private propose(i: number, p: number, out: Float32Array): void {
    const { h, w, c, d } = this;
    const eps = this.settings.eps;
    const rng = this.rngs[i];
    const x = this.x.subarray(i * d, (i + 1) * d);
    const best = this.best.subarray(i * d, (i + 1) * d);
    out.set(best);
    const at = (r: number, col: number, ch: number) => (r * w + col) * c + ch;
    if (this.settings.norm === 'linf') {
      const s = Math.min(Math.max(Math.round(Math.sqrt(p * h * w)), 1), Math.min(h, w));
      const vh = rng.int(h - s + 1);
      const vw = rng.int(w - s + 1);
      const signs = Array.from({ length: c }, () => randomSign(rng));
      for (let a = vh; a < vh + s; a++) {
        for (let b = vw; b < vw + s; b++) {
          for (let ch = 0; ch < c; ch++) {
            const j = at(a, b, ch);
            out[j] = clip01(Math.min(Math.max(best[j] + 2 * eps * signs[ch], x[j] - eps), x[j] + eps));
          }
        }
      }
      return;
    }
    let s = Math.max(Math.round(Math.sqrt(p * h * w)), 3);
    if (s % 2 === 0) s += 1;
    s = Math.min(s, Math.min(h, w));
    const vh = rng.int(h - s + 1);
    const vw = rng.int(w - s + 1);
    const vh2 = rng.int(h - s + 1);
    const vw2 = rng.int(w - s + 1);
    const delta = new Float64Array(d);
    let imageNorm2 = 0;
    for (let j = 0; j < d; j++) {
      delta[j] = best[j] - x[j];
      imageNorm2 += delta[j] * delta[j];
    }
    // Per channel: the squared norm of the first window, and of both windows together.
    const window1 = new Float64Array(c);
    const windows = new Float64Array(c);
    for (let r = vh; r < vh + s; r++) for (let col = vw; col < vw + s; col++) for (let ch = 0; ch < c; ch++) window1[ch] += delta[at(r, col, ch)] ** 2;
    windows.set(window1);
    for (let r = vh2; r < vh2 + s; r++) {
      for (let col = vw2; col < vw2 + s; col++) {
        if (r >= vh && r < vh + s && col >= vw && col < vw + s) continue;
        for (let ch = 0; ch < c; ch++) windows[ch] += delta[at(r, col, ch)] ** 2;
      }
    }
    // A new pattern plus the old window's direction, scaled to the budget left plus the mass of both windows.
    const pattern = eta(s, rng);
    const signs = Array.from({ length: c }, () => randomSign(rng));
    const fresh = new Float64Array(s * s * c);
    const freshNorm2 = new Float64Array(c);
    for (let a = 0; a < s; a++) {
      for (let b = 0; b < s; b++) {
        for (let ch = 0; ch < c; ch++) {
          const v = pattern[a * s + b] * signs[ch] + delta[at(vh + a, vw + b, ch)] / (1e-12 + Math.sqrt(window1[ch]));
          fresh[(a * s + b) * c + ch] = v;
          freshNorm2[ch] += v * v;
        }
      }
    }
    const room = Math.max(eps * eps - imageNorm2, 0) / c;
    const scales = Array.from(freshNorm2, (f, ch) => Math.sqrt(room + windows[ch]) / (1e-12 + Math.sqrt(f)));
    for (let r = vh2; r < vh2 + s; r++) for (let col = vw2; col < vw2 + s; col++) for (let ch = 0; ch < c; ch++) delta[at(r, col, ch)] = 0;
    for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) for (let ch = 0; ch < c; ch++) delta[at(vh + a, vw + b, ch)] = fresh[(a * s + b) * c + ch] * scales[ch];
    let norm2 = 0;
    for (let j = 0; j < d; j++) norm2 += delta[j] * delta[j];
    const scale = eps / (Math.sqrt(norm2) + 1e-12);
    for (let j = 0; j < d; j++) out[j] = clip01(x[j] + delta[j] * scale);
  }

  /** Margin (`z_goal - max_other` untargeted, `max_other - z_goal` targeted; <= 0 once fooled) and loss to descend of images `rows` at `points`. */
  private async score(points: Float32Array, rows: Int32Array): Promise<{ margin: Float64Array; loss: Float64Array }> {
    const k = this.classifier.numClasses;
    const logits = tf.tidy(() => this.classifier.logits(tf.tensor4d(points, [rows.length, this.h, this.w, this.c])));
    const z = await logits.data();
    logits.dispose();
    const margin = new Float64Array(rows.length);
    const loss = new Float64Array(rows.length);
    rows.forEach((i, j) => {
      const row = z.subarray(j * k, (j + 1) * k);
      const g = this.goal[i];
      let other = -Infinity;
      let top = -Infinity;
      for (let q = 0; q < k; q++) {
        top = Math.max(top, row[q]);
        if (q !== g) other = Math.max(other, row[q]);
      }
      let sum = 0;
      for (let q = 0; q < k; q++) sum += Math.exp(row[q] - top);
      const crossEntropy = top + Math.log(sum) - row[g];
      margin[j] = this.settings.targeted ? other - row[g] : row[g] - other;
      loss[j] = this.settings.loss === 'margin' ? margin[j] : this.settings.targeted ? crossEntropy : -crossEntropy;
    });
    return { margin, loss };
  }

  private async report(onStep: NonNullable<SquareOptions['onStep']>, step: number): Promise<void> {
    const { m, d } = this;
    const [maxAbsDelta, maxL2Delta] = [...Array(m).keys()].reduce(
      ([abs, l2], i) => {
        let a = 0;
        let sq = 0;
        for (let j = i * d; j < (i + 1) * d; j++) {
          const v = this.best[j] - this.x[j];
          a = Math.max(a, Math.abs(v));
          sq += v * v;
        }
        return [Math.max(abs, a), Math.max(l2, Math.sqrt(sq))];
      },
      [0, 0],
    );
    const xAdv = tf.tensor4d(this.best, [m, this.h, this.w, this.c]);
    try {
      // The lib's margin loss is minus this margin: positive once the image is fooled.
      await onStep({ restart: this.restart, step, steps: this.settings.steps, xAdv, loss: -this.margin.reduce((s, v) => s + v, 0) / m, maxAbsDelta, maxL2Delta });
    } finally {
      xAdv.dispose();
    }
  }
}

/** Separates Square's random stream from other attacks' for the same seed and image. */
const SQUARE_STREAM = 0x5371;

/**
 * The `s x s` L2 pattern of the Square attack (its `eta`), unit norm: two halves of opposite
 * sign, each a stack of nested rectangles weighted `1 / (k + 1)^2`, transposed with
 * probability 1/2.
 */
export function eta(s: number, rng: Rng): Float64Array {
  const top = Math.floor(s / 2);
  const upper = rectangles(top, s);
  const lower = rectangles(s - top, s);
  const out = new Float64Array(s * s);
  upper.forEach((v, j) => (out[j] = v));
  lower.forEach((v, j) => (out[top * s + j] = -v));
  normalise(out);
  if (rng.uniform() > 0.5) {
    const t = Float64Array.from(out);
    for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) out[a * s + b] = t[b * s + a];
  }
  return out;
}

/** Nested rectangles centred in an `rows x cols` grid, the k-th (from the centre) weighted `1 / (k + 1)^2`, unit L2 norm. */
function rectangles(rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  if (out.length === 0) return out;
  const cr = Math.floor(rows / 2) + 1;
  const cc = Math.floor(cols / 2) + 1;
  let r0 = cr - 1;
  let c0 = cc - 1;
  for (let k = 0; k < Math.max(cr, cc); k++, r0--, c0--) {
    for (let a = Math.max(r0, 0); a < Math.min(r0 + 2 * k + 1, rows); a++) {
      for (let b = Math.max(c0, 0); b < Math.min(c0 + 2 * k + 1, cols); b++) out[a * cols + b] += 1 / (k + 1) ** 2;
    }
  }
  normalise(out);
  return out;
}

function normalise(v: Float64Array): void {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (n > 0) for (let j = 0; j < v.length; j++) v[j] /= n;
}

function randomSign(rng: Rng): number {
  return rng.uniform() < 0.5 ? -1 : 1;
}

function clip01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
