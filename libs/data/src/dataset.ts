import { assertOption } from './errors';

/** Colour channels of every stored image: RGB. */
export const CHANNELS = 3;

/**
 * A labelled image set held in memory as compact uint8 pixels.
 *
 * - `pixels`: `count * height * width * 3` bytes, NHWC row-major, RGB, values 0..255.
 * - `labels`: `count` class indices in `[0, classNames.length)`.
 * - `ids`: optional source of each image (path relative to the folder, or `idx:<row>`).
 */
export interface ImageDataset {
  readonly classNames: readonly string[];
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly ids?: readonly string[];
}

/** Bytes of one image: `height * width * 3`. */
export function imageBytes(ds: Pick<ImageDataset, 'height' | 'width'>): number {
  return ds.height * ds.width * CHANNELS;
}

/** The pixels of image `i` as a view (no copy): `[height, width, 3]` uint8. */
export function imageAt(ds: ImageDataset, i: number): Uint8Array {
  const n = imageBytes(ds);
  return ds.pixels.subarray(i * n, (i + 1) * n);
}

/** Number of images per class, indexed by label. */
export function classCounts(ds: Pick<ImageDataset, 'labels' | 'classNames'>): number[] {
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (const l of ds.labels) counts[l]++;
  return counts;
}

/** A new data set holding copies of the images at `indices`, in that order. */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const n = imageBytes(ds);
  const pixels = new Uint8Array(indices.length * n);
  const labels = new Int32Array(indices.length);
  const ids = ds.ids ? new Array<string>(indices.length) : undefined;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    assertOption(Number.isInteger(i) && i >= 0 && i < ds.count, () => `index ${i} is outside 0..${ds.count - 1}`);
    pixels.set(ds.pixels.subarray(i * n, (i + 1) * n), k * n);
    labels[k] = ds.labels[i];
    if (ids && ds.ids) ids[k] = ds.ids[i];
  }
  return { classNames: ds.classNames, pixels, labels, count: indices.length, height: ds.height, width: ds.width, ids };
}
