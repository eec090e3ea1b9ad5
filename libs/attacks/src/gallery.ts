import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { OverlayOptions } from 'sharp';
import { encodePng, ImageDataset } from '@advlab/data';
import { probabilities, Rng } from '@advlab/model';
import { attackTitle, type AttackSpec } from '@advlab/config';
import { Classifier } from './classifier';
import { AttackSettings } from './core';
import type { AutoAttackMember } from './autoattack';
import { runAttackSpec } from './dispatch';
import { notebookAttacks } from './robust';
import { check, formatEps } from './threat';

/** Options of {@link buildGallery}. */
export interface GalleryOptions {
  /** The attack. Default the notebook's PGD-20 at 8/255 (step 0.002). */
  readonly attack?: AttackSpec;
  readonly signal?: AbortSignal;
  /** Images shown. Default 20, as in the notebook. */
  readonly count?: number;
  /** Seeds which images are chosen (and the attack's random start). Default 1234. */
  readonly seed?: number;
  /** Name of each class. Default the data set's class names. */
  readonly classNames?: readonly string[];
  /** Integer upscaling of the images on the contact sheet (nearest neighbour). Default: about 112 pixels per image. */
  readonly scale?: number;
  /** Cells per row of the contact sheet. Default 5. */
  readonly columns?: number;
  /** Images attacked at once. Default 32. */
  readonly batchSize?: number;
  /** Amplification of the perturbation image, `0.5 + gain * delta`. Default {@link PERTURBATION_GAIN} (10). */
  readonly gain?: number;
}

/** A prediction with its class name and the model's score for it (softmax, or sigmoid for OVA). */
export interface GalleryPrediction {
  readonly class: number;
  readonly name: string;
  readonly confidence: number;
}

/** One image of the gallery. */
export interface GalleryItem {
  /** Row of the image in the data set. */
  readonly index: number;
  readonly label: number;
  readonly labelName: string;
  readonly clean: GalleryPrediction;
  readonly adversarial: GalleryPrediction;
  /** The adversarial image is misclassified. */
  readonly success: boolean;
  readonly maxAbsDelta: number;
  /** AutoAttack: the member of the cascade that broke the image, 'clean' when it was misclassified to begin with, null when robust; undefined for other attacks. */
  readonly brokenBy?: AutoAttackMember | 'clean' | null;
  /** PNGs at the data set's resolution: the clean image, the adversarial image, and `0.5 + 10 * delta` clipped to [0, 1]. */
  readonly png: { readonly clean: Buffer; readonly adversarial: Buffer; readonly perturbation: Buffer };
}

/** Result of {@link buildGallery}. */
export interface Gallery {
  /** The settings the attack ran with, and the spec it was asked as. */
  readonly attack: AttackSettings;
  readonly spec: AttackSpec;
  readonly items: GalleryItem[];
  /** The labelled contact sheet as PNG. */
  readonly sheet: Buffer;
  readonly sheetWidth: number;
  readonly sheetHeight: number;
  readonly scale: number;
}

/** How much the perturbation is amplified around mid-grey in the gallery. */
export const PERTURBATION_GAIN = 10;

/**
 * The perturbation as an image: `0.5 + gain * (xAdv - x)` clipped to [0, 1], so no change is
 * mid-grey. The one rendering of a perturbation (the gallery, live attack frames).
 *
 * @param x, xAdv `[n, h, w, 3]` in [0, 1]; returns the same shape.
 */
export function perturbationImage(x: tf.Tensor4D, xAdv: tf.Tensor4D, gain = PERTURBATION_GAIN): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(tf.sub(xAdv, x), gain), 0.5), 0, 1) as tf.Tensor4D);
}

const PAD = 8;
const GAP = 2;
const HEADER = 44;
const LINE = 15;
const CAPTION = 3 * LINE + 4;
const FONT = 12;

/** Pixel size of the contact sheet for `count` images of `height x width` (see {@link buildGallery}). */
export function gallerySheetSize(count: number, height: number, width: number, scale: number, columns = 5): { width: number; height: number } {
  const cols = Math.min(columns, count);
  const rows = Math.ceil(count / cols);
  return { width: PAD + cols * (3 * width * scale + 2 * GAP + PAD), height: HEADER + PAD + rows * (height * scale + CAPTION + PAD) };
}

/**
 * The notebook's figure of adversarial examples: `count` images chosen by `seed` from
 * `dataset` (a test split), attacked with `opts.attack` (default PGD, eps 8/255, step 0.002,
 * 20 steps, L-infinity; any attack of the lib), the model in evaluation mode. For each: the clean image, the adversarial image, the
 * perturbation amplified x10 around mid-grey, the true label, the clean and adversarial
 * predictions with their confidence, and whether the attack succeeded; as PNGs, and one contact
 * sheet (cells of clean | adversarial | perturbation x10, captions under each, five cells a row,
 * images upscaled with nearest neighbour).
 */
export async function buildGallery(classifier: Classifier, dataset: ImageDataset, opts: GalleryOptions = {}): Promise<Gallery> {
  const [h, w] = classifier.imageShape;
  check(dataset.height === h && dataset.width === w, 'dataset', () => `images are ${dataset.height}x${dataset.width} but the model takes ${h}x${w}; load the split at the model's size`);
  const count = Math.min(opts.count ?? 20, dataset.count);
  check(Number.isInteger(count) && count >= 1, 'count', () => `must be an integer >= 1 (and the data set must hold images), got ${count}`);
  const seed = opts.seed ?? 1234;
  const gain = opts.gain ?? PERTURBATION_GAIN;
  check(gain > 0, 'gain', () => `must be > 0, got ${gain}`);
  const names = opts.classNames ?? dataset.classNames;
  const scale = opts.scale ?? Math.max(1, Math.round(112 / Math.max(h, w)));
  check(Number.isInteger(scale) && scale >= 1, 'scale', () => `must be a positive integer, got ${scale}`);
  const columns = opts.columns ?? 5;
  check(Number.isInteger(columns) && columns >= 1, 'columns', () => `must be a positive integer, got ${columns}`);
  const batchSize = opts.batchSize ?? 32;
  const spec = opts.attack ?? notebookAttacks()[0];
  let settings: AttackSettings | undefined;
  const rows = Array.from(new Rng(seed, 0x9a11e7).permutation(dataset.count).subarray(0, count));
  const per = h * w * 3;
  const name = (c: number) => names[c] ?? `class ${c}`;

  const items: GalleryItem[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const part = rows.slice(start, start + batchSize);
    const cleanPixels = new Float32Array(part.length * per);
    part.forEach((row, i) => {
      const src = dataset.pixels.subarray(row * per, (row + 1) * per);
      for (let j = 0; j < per; j++) cleanPixels[i * per + j] = src[j] / 255;
    });
    const labels = Int32Array.from(part, (row) => dataset.labels[row]);
    const x = tf.tensor4d(cleanPixels, [part.length, h, w, 3]);
    try {
      const r = await runAttackSpec(classifier, x, labels, spec, { seed: new Rng(seed, start).nextUint32() >>> 1, signal: opts.signal, imageIds: part });
      settings ??= r.settings;
      const [cleanProb, advProb, pertImage] = tf.tidy(() => [
        probabilities(classifier.loss, classifier.logits(x)),
        probabilities(classifier.loss, classifier.logits(r.xAdv)),
        perturbationImage(x, r.xAdv, gain),
      ]);
      const adv = (await r.xAdv.data()) as Float32Array;
      const [pc, pa, pp] = [await cleanProb.data(), await advProb.data(), (await pertImage.data()) as Float32Array];
      tf.dispose([r.xAdv, cleanProb, advProb, pertImage]);
      const k = classifier.numClasses;
      const top = (p: ArrayLike<number>, i: number): GalleryPrediction => {
        let best = 0;
        for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
        return { class: best, name: name(best), confidence: p[i * k + best] };
      };
      for (let i = 0; i < part.length; i++) {
        const c = cleanPixels.subarray(i * per, (i + 1) * per);
        const a = adv.subarray(i * per, (i + 1) * per);
        const pert = pp.subarray(i * per, (i + 1) * per);
        let maxAbsDelta = 0;
        for (let j = 0; j < per; j++) maxAbsDelta = Math.max(maxAbsDelta, Math.abs(a[j] - c[j]));
        const [cleanPng, advPng, pertPng] = await Promise.all([encodePng(c, h, w), encodePng(a, h, w), encodePng(pert, h, w)]);
        const adversarial = top(pa, i);
        items.push({
          index: part[i],
          label: labels[i],
          labelName: name(labels[i]),
          clean: top(pc, i),
          adversarial,
          success: adversarial.class !== labels[i],
          maxAbsDelta,
          brokenBy: r.autoAttack?.brokenBy[i],
          png: { clean: cleanPng, adversarial: advPng, perturbation: pertPng },
        });
      }
    } finally {
      x.dispose();
    }
  }
  const size = gallerySheetSize(items.length, h, w, scale, columns);
  const ran = settings as AttackSettings;
  const sheet = await contactSheet(items, h, w, scale, columns, size, ran, gain, attackTitle(spec));
  return { attack: ran, spec, items, sheet, sheetWidth: size.width, sheetHeight: size.height, scale };
}

async function contactSheet(items: GalleryItem[], h: number, w: number, scale: number, columns: number, size: { width: number; height: number }, s: AttackSettings, gain: number, attackName: string): Promise<Buffer> {
  const cols = Math.min(columns, items.length);
  const [sw, sh] = [w * scale, h * scale];
  const cellW = 3 * sw + 2 * GAP;
  const upscale = (png: Buffer) => sharp(png).resize(sw, sh, { kernel: 'nearest' }).png().toBuffer();
  const overlays: OverlayOptions[] = [];
  const text: string[] = [];
  const line = (x: number, y: number, content: string, opts: { color?: string; size?: number; weight?: string; anchor?: string } = {}) =>
    text.push(
      `<text x="${x}" y="${y}" fill="${opts.color ?? '#111111'}" font-size="${opts.size ?? FONT}" font-weight="${opts.weight ?? 'normal'}" ` +
        `font-family="DejaVu Sans, sans-serif" text-anchor="${opts.anchor ?? 'start'}">${escapeXml(content)}</text>`,
    );
  const budget = s.norm === 'linf' ? `L-inf eps ${formatEps(s.eps)}` : `L2 eps ${Number(s.eps.toPrecision(3))}`;
  line(size.width / 2, 18, `${attackName} adversarial examples: ${budget}, ${s.steps} step${s.steps === 1 ? '' : 's'} of ${Number(s.stepSize.toPrecision(3))}`, { size: 15, weight: 'bold', anchor: 'middle' });
  line(size.width / 2, 36, `Clean | Adversarial | Perturbation x${gain} (0.5 + ${gain} delta)`, { size: 13, anchor: 'middle' });
  const pct = (p: GalleryPrediction) => `${p.name} (${(100 * p.confidence).toFixed(0)}%)`;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const left = PAD + (i % cols) * (cellW + PAD);
    const top = HEADER + PAD + Math.floor(i / cols) * (sh + CAPTION + PAD);
    const images = await Promise.all([it.png.clean, it.png.adversarial, it.png.perturbation].map(upscale));
    images.forEach((input, j) => overlays.push({ input, left: left + j * (sw + GAP), top }));
    const ty = top + sh + LINE;
    line(left, ty, fit(`True: ${it.labelName}`, cellW));
    line(left, ty + LINE, fit(`Clean: ${pct(it.clean)}`, cellW), { color: it.clean.class === it.label ? '#111111' : '#b45309' });
    const outcome = it.success ? (it.clean.class === it.label ? ' - fooled' : ' - still wrong') : '';
    line(left, ty + 2 * LINE, fit(`Adv: ${pct(it.adversarial)}${outcome}`, cellW), { color: it.success ? '#b91c1c' : '#15803d' });
  }
  overlays.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}">${text.join('')}</svg>`), left: 0, top: 0 });
  const composed = await sharp({ create: { width: size.width, height: size.height, channels: 3, background: '#ffffff' } })
    .composite(overlays)
    .png()
    .toBuffer();
  // Compositing adds an alpha channel; the sheet is opaque, so store it as RGB.
  return sharp(composed).removeAlpha().png().toBuffer();
}

/** Cuts `text` to roughly fit `width` pixels at the caption font (average glyph ~0.6 em). */
function fit(text: string, width: number): string {
  const max = Math.max(1, Math.floor(width / (0.6 * FONT)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}
