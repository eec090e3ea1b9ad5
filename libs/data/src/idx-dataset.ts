import sharp from 'sharp';
import { defaultConcurrency, forEachConcurrent } from './concurrency';
import { CHANNELS, ImageDataset } from './dataset';
import { DataError, assertOption } from './errors';
import { IdxArray, readIdxFile } from './idx';
import { balancedSubsetIndices } from './idx-subset';
import type { ProgressCallback } from './summary';

/** Options of {@link importIdx} and {@link idxToDataset}. */
export interface IdxImportOptions {
  /** Side of the stored square images; default the native size (28 for MNIST), no resize. */
  readonly imageSize?: number;
  /** Names of labels 0..k-1; default '0', '1', ... up to the largest label. */
  readonly classNames?: readonly string[];
  /** Keep at most this many images per class, chosen at random from `seed` (class-balanced subset). */
  readonly maxPerClass?: number;
  readonly seed?: number;
  readonly concurrency?: number;
  readonly onProgress?: ProgressCallback;
  /** Stops a resize in progress (`DataError('ABORTED')`). */
  readonly signal?: AbortSignal;
  /** Largest decompressed IDX file read (see `readIdxFile`). Default 1 GiB. */
  readonly maxBytes?: number;
}

/**
 * Turns an IDX image array `[N, H, W]` (grey, uint8) and label array `[N]` into an RGB
 * data set: grey is replicated to the 3 channels; images are resized (squashed, Lanczos-3)
 * only when `imageSize` differs from the native size. Ids are `idx:<row>` of the source
 * rows. Throws `DataError('BAD_IDX')` when the arrays do not fit together.
 */
export async function idxToDataset(images: IdxArray, labels: IdxArray, opts: IdxImportOptions = {}): Promise<ImageDataset> {
  if (images.dims.length !== 3) throw new DataError('BAD_IDX', `images must be [N, H, W], got [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1) throw new DataError('BAD_IDX', `labels must be [N], got [${labels.dims.join(', ')}]`);
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) throw new DataError('BAD_IDX', `${n} images but ${labels.dims[0]} labels`);
  const maxLabel = labels.data.reduce((a, b) => Math.max(a, b), 0);
  const classNames = opts.classNames ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  if (maxLabel >= classNames.length) throw new DataError('BAD_IDX', `label ${maxLabel} has no class name (${classNames.length} given)`);
  const size = opts.imageSize ?? h;
  assertOption(Number.isInteger(size) && size >= 1 && size <= 4096, () => `imageSize must be an integer in 1..4096, got ${size}`);
  assertOption(size !== h || h === w, () => `non-square ${h}x${w} IDX images need an explicit imageSize`);

  const rows = opts.maxPerClass === undefined ? null : balancedSubsetIndices(labels.data, opts.maxPerClass, opts.seed ?? 1234);
  const count = rows ? rows.length : n;
  const out = new Uint8Array(count * size * size * CHANNELS);
  const outLabels = new Int32Array(count);
  const ids = new Array<string>(count);
  const src = h * w;
  const place = (k: number, grey: Uint8Array): void => {
    const base = k * grey.length * CHANNELS;
    for (let p = 0; p < grey.length; p++) {
      const v = grey[p];
      out[base + 3 * p] = v;
      out[base + 3 * p + 1] = v;
      out[base + 3 * p + 2] = v;
    }
  };
  const rowOf = (k: number): number => (rows ? rows[k] : k);
  for (let k = 0; k < count; k++) {
    outLabels[k] = labels.data[rowOf(k)];
    ids[k] = `idx:${rowOf(k)}`;
  }
  if (size === h && size === w) {
    for (let k = 0; k < count; k++) place(k, images.data.subarray(rowOf(k) * src, (rowOf(k) + 1) * src));
    opts.onProgress?.({ done: count, total: count, skipped: 0 });
  } else {
    let done = 0;
    const order = Array.from({ length: count }, (_, k) => k);
    await forEachConcurrent(order, opts.concurrency ?? defaultConcurrency(), async (k) => {
      const r = rowOf(k);
      const resized = await sharp(images.data.subarray(r * src, (r + 1) * src), { raw: { width: w, height: h, channels: 1 } })
        .resize(size, size, { fit: 'fill' })
        .raw()
        .toBuffer();
      place(k, resized);
      done++;
      if (done % 256 === 0 || done === count) opts.onProgress?.({ done, total: count, skipped: 0 });
    }, opts.signal);
  }
  return { classNames, pixels: out, labels: outLabels, count, height: size, width: size, ids };
}

/** Reads an IDX image file and label file (`.gz` or raw) into an RGB data set; see {@link idxToDataset}. */
export async function importIdx(imagesFile: string, labelsFile: string, opts: IdxImportOptions = {}): Promise<ImageDataset> {
  const read = (file: string) => readIdxFile(file, { maxBytes: opts.maxBytes });
  const [images, labels] = await Promise.all([read(imagesFile), read(labelsFile)]);
  return idxToDataset(images, labels, opts);
}
