import * as path from 'node:path';
import { defaultConcurrency, forEachConcurrent } from './concurrency';
import { CHANNELS } from './dataset';
import { DEFAULT_LIMIT_INPUT_PIXELS, decodeImage } from './decode';
import { DataError, assertOption } from './errors';
import { DEFAULT_IMAGE_SIZE } from './image-folder';
import type { FileLimits } from './roots';
import { scanFlatFolder } from './scan';
import type { ProgressCallback, SkippedFile } from './summary';

/**
 * Unlabeled images to predict (a competition's test folder).
 *
 * - `ids`: file names, sorted by code point; only files that decoded.
 * - `pixels`: `count * height * width * 3` uint8 NHWC RGB, in `ids` order.
 * - `skipped`: files left out, with reasons.
 */
export interface UnlabeledImages {
  readonly ids: readonly string[];
  readonly pixels: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly skipped: readonly SkippedFile[];
}

/** Options of {@link readUnlabeledFolder}; the same decoding rules as an ImageFolder import. */
export interface UnlabeledFolderOptions {
  readonly imageSize?: number;
  readonly background?: 'white' | 'black';
  readonly limitInputPixels?: number;
  readonly concurrency?: number;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
  /** Confine the scan to this real path and bound it (see `ScanOptions`). */
  readonly within?: string;
  readonly limits?: FileLimits;
}

/**
 * Reads a flat folder of images for prediction: ids are the file names, sorted. Files
 * that cannot be decoded are listed in `skipped`, never thrown; throws `DataError` only
 * when the folder itself is missing or unreadable, or no file in it is a usable image
 * (`NO_IMAGES`).
 */
export async function readUnlabeledFolder(dir: string, opts: UnlabeledFolderOptions = {}): Promise<UnlabeledImages> {
  const imageSize = opts.imageSize ?? DEFAULT_IMAGE_SIZE;
  assertOption(Number.isInteger(imageSize) && imageSize >= 1 && imageSize <= 4096, () => `imageSize must be an integer in 1..4096, got ${imageSize}`);
  const decodeOpts = { imageSize, background: opts.background ?? 'white', limitInputPixels: opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS };
  const scan = await scanFlatFolder(dir, { signal: opts.signal, within: opts.within, limits: opts.limits });
  const skipped: SkippedFile[] = [...scan.skipped];
  const slots = new Array<Uint8Array | null>(scan.files.length).fill(null);
  let done = 0;
  await forEachConcurrent(
    scan.files,
    opts.concurrency ?? defaultConcurrency(),
    async (file, i) => {
      const r = file.size === 0 ? ({ ok: false, reason: 'empty', detail: 'zero bytes' } as const) : await decodeImage(file.absPath, decodeOpts);
      if (r.ok) slots[i] = r.pixels;
      else skipped.push({ path: file.path, reason: r.reason, detail: r.detail });
      done++;
      opts.onProgress?.({ done, total: scan.files.length, skipped: skipped.length });
    },
    opts.signal,
  );
  const bytes = imageSize * imageSize * CHANNELS;
  const ids: string[] = [];
  const kept = slots.filter((s) => s !== null).length;
  if (kept === 0) throw new DataError('NO_IMAGES', `${path.resolve(dir)}: no usable image among ${scan.files.length} file(s)`);
  const pixels = new Uint8Array(kept * bytes);
  slots.forEach((s, i) => {
    if (!s) return;
    pixels.set(s, ids.length * bytes);
    ids.push(scan.files[i].path);
  });
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ids, pixels, count: kept, height: imageSize, width: imageSize, skipped };
}
