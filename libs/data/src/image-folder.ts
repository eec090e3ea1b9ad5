import * as path from 'node:path';
import { CacheLocation, CacheManifest, readDatasetCache, writeDatasetCache } from './cache';
import { defaultConcurrency, forEachConcurrent } from './concurrency';
import { CHANNELS, ImageDataset, classCounts, imageAt } from './dataset';
import { DEFAULT_LIMIT_INPUT_PIXELS, decodeImage } from './decode';
import { DataError, assertOption } from './errors';
import type { FileLimits } from './roots';
import { FolderScan, ScannedFile, scanImageFolder } from './scan';
import type { ProgressCallback, SkippedFile } from './summary';

/** Default side of stored images, as in the notebook's `Resize((64, 64))`. */
export const DEFAULT_IMAGE_SIZE = 64;

/** Options of {@link importImageFolder}. */
export interface ImageFolderOptions {
  /** Side of the stored square images in pixels (squash, no crop). Default 64. */
  readonly imageSize?: number;
  /** Colour transparent pixels are flattened onto. Default 'white'. */
  readonly background?: 'white' | 'black';
  /** Images with more pixels are refused unread. Default 40e6. */
  readonly limitInputPixels?: number;
  /** Labels to use (for a separate test folder: the training set's `classNames`). */
  readonly classNames?: readonly string[];
  /** Read from / write to this cache; reused as long as the folder and settings are unchanged. */
  readonly cache?: CacheLocation;
  /**
   * Read earlier results from this cache instead of `cache` (the new cache is still written
   * to `cache`): an import can build into a staging folder while reusing the live one.
   */
  readonly reuseCache?: CacheLocation;
  /** A scan of `root` made just before (see {@link checkImageFolderLayout}); scanned again when absent. */
  readonly scan?: FolderScan;
  /** Confine the scan to this real path and bound it (see `ScanOptions`), when it scans. */
  readonly within?: string;
  readonly limits?: FileLimits;
  /** Decodes in flight. Default twice the number of cores. */
  readonly concurrency?: number;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
}

/** What an import did: the classes, the counts and every file it left out. */
export interface ImportSummary {
  readonly root: string;
  readonly classNames: readonly string[];
  /** Images kept per class, indexed by label. */
  readonly counts: readonly number[];
  /** Images kept. */
  readonly total: number;
  /** Files and folders left out, with reasons; the import never drops anything silently. */
  readonly skipped: readonly SkippedFile[];
  /** Files decoded by this call: 0 when the cache was reused, only the new and modified ones when it was rebuilt. */
  readonly decoded: number;
  readonly fromCache: boolean;
  readonly imageSize: number;
  readonly seconds: number;
}

/** An imported data set and its summary. */
export interface ImportResult {
  readonly dataset: ImageDataset;
  readonly summary: ImportSummary;
}

/**
 * Imports an ImageFolder (`root/<class>/<image>`, classes sorted by name as torchvision
 * does) into `imageSize x imageSize` RGB uint8 images (see `decodeImage` for the rules).
 *
 * Bad files (zero-byte, corrupt, truncated, non-image, too many pixels, unreadable, links
 * that loop) are skipped and listed in `summary.skipped`. Throws `DataError` when the folder
 * is missing or unreadable (`NOT_FOUND`, `NOT_A_DIRECTORY`, `UNREADABLE`), has fewer than
 * 2 classes (`TOO_FEW_CLASSES`), or a class folder has no usable image (`EMPTY_CLASS`).
 *
 * With `cache`, an unchanged folder (same relative paths, sizes and mtimes, same settings)
 * is loaded from the cache without decoding anything. Any added, removed or modified file
 * rebuilds the cache; files unchanged since the last import keep their pixels (or their
 * skip entry) from it, so only new and modified files are decoded.
 */
export async function importImageFolder(root: string, opts: ImageFolderOptions = {}): Promise<ImportResult> {
  const started = Date.now();
  const imageSize = opts.imageSize ?? DEFAULT_IMAGE_SIZE;
  const background = opts.background ?? 'white';
  const limitInputPixels = opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  assertOption(Number.isInteger(imageSize) && imageSize >= 1 && imageSize <= 4096, () => `imageSize must be an integer in 1..4096, got ${imageSize}`);
  assertOption(limitInputPixels > 0, () => `limitInputPixels must be positive, got ${limitInputPixels}`);

  const scan = opts.scan ?? (await scanImageFolder(root, opts.classNames, { signal: opts.signal, within: opts.within, limits: opts.limits }));
  checkImageFolderLayout(root, scan);
  const settings = { imageSize, background, limitInputPixels };
  const files = scan.files.map((f) => [f.path, f.size, f.mtimeMs] as const);
  const finish = (dataset: ImageDataset, skipped: readonly SkippedFile[], decoded: number, fromCache: boolean): ImportResult => {
    opts.onProgress?.({ done: scan.files.length, total: scan.files.length, skipped: skipped.length });
    return {
      dataset,
      summary: {
        root: path.resolve(root),
        classNames: dataset.classNames,
        counts: classCounts(dataset),
        total: dataset.count,
        skipped,
        decoded,
        fromCache,
        imageSize,
        seconds: (Date.now() - started) / 1000,
      },
    };
  };

  let previous: Map<string, Uint8Array | SkippedFile> | undefined;
  const earlierCache = opts.reuseCache ?? opts.cache;
  if (earlierCache) {
    const cached = await readDatasetCache(earlierCache);
    if (cached && isCurrent(cached.manifest, scan, files, settings)) {
      const inListing = new Set(scan.files.map((f) => f.path));
      const decodeSkips = cached.manifest.skipped.filter((s) => inListing.has(s.path));
      if (opts.cache && earlierCache !== opts.cache) await writeDatasetCache(opts.cache, cached.dataset, cached.manifest);
      return finish(cached.dataset, [...scan.skipped, ...decodeSkips], 0, true);
    }
    if (cached && sameJson(cached.manifest.settings, settings)) previous = unchangedOutcomes(cached.dataset, cached.manifest, scan.files);
  }

  const decoded = await decodeFiles(scan.files, scan.classNames, { imageSize, background, limitInputPixels }, opts, scan.skipped.length, previous);
  const skipped = [...scan.skipped, ...decoded.skipped];
  checkEveryClassHasImages(root, scan, decoded.dataset, skipped);
  if (opts.cache) {
    await writeDatasetCache(opts.cache, decoded.dataset, {
      kind: 'image-folder',
      source: path.resolve(root),
      settings,
      files,
      skipped: decoded.skipped,
    });
  }
  return finish(decoded.dataset, skipped, decoded.decoded, false);
}

/** Decodes `files` concurrently into one data set, keeping file order; failures become skips. */
async function decodeFiles(
  files: readonly ScannedFile[],
  classNames: readonly string[],
  decodeOpts: { imageSize: number; background: 'white' | 'black'; limitInputPixels: number },
  opts: ImageFolderOptions,
  alreadySkipped: number,
  previous?: Map<string, Uint8Array | SkippedFile>,
): Promise<{ dataset: ImageDataset & { ids: string[] }; skipped: SkippedFile[]; decoded: number }> {
  const bytes = decodeOpts.imageSize * decodeOpts.imageSize * CHANNELS;
  const slots = new Array<Uint8Array | SkippedFile>(files.length);
  let done = 0;
  let skippedCount = alreadySkipped;
  let decodedCount = 0;
  await forEachConcurrent(
    files,
    opts.concurrency ?? defaultConcurrency(),
    async (file, i) => {
      const earlier = previous?.get(file.path);
      if (earlier) {
        slots[i] = earlier;
        if (!(earlier instanceof Uint8Array)) skippedCount++;
        opts.onProgress?.({ done: ++done, total: files.length, skipped: skippedCount });
        return;
      }
      decodedCount++;
      const result = file.size === 0 ? ({ ok: false, reason: 'empty', detail: 'zero bytes' } as const) : await decodeImage(file.absPath, decodeOpts);
      if (result.ok) {
        slots[i] = result.pixels;
      } else {
        slots[i] = { path: file.path, reason: result.reason, detail: result.detail };
        skippedCount++;
      }
      done++;
      opts.onProgress?.({ done, total: files.length, skipped: skippedCount });
    },
    opts.signal,
  );

  const kept = slots.filter((s): s is Uint8Array => s instanceof Uint8Array).length;
  const pixels = new Uint8Array(kept * bytes);
  const labels = new Int32Array(kept);
  const ids: string[] = [];
  const skipped: SkippedFile[] = [];
  slots.forEach((slot, i) => {
    if (slot instanceof Uint8Array) {
      pixels.set(slot, ids.length * bytes);
      labels[ids.length] = files[i].label;
      ids.push(files[i].path);
    } else {
      skipped.push(slot);
    }
  });
  return {
    dataset: { classNames, pixels, labels, count: kept, height: decodeOpts.imageSize, width: decodeOpts.imageSize, ids },
    skipped,
    decoded: decodedCount,
  };
}

/**
 * What an earlier import made of each file that is still there with the same size and mtime:
 * its pixels (a view into the cached data set) or its skip entry. Those files are not decoded again.
 */
function unchangedOutcomes(ds: ImageDataset, m: CacheManifest, files: readonly ScannedFile[]): Map<string, Uint8Array | SkippedFile> {
  const before = new Map(m.files.map((f) => [f[0], f]));
  const row = new Map(m.ids.map((id, i) => [id, i]));
  const skip = new Map(m.skipped.map((s) => [s.path, s]));
  const out = new Map<string, Uint8Array | SkippedFile>();
  for (const f of files) {
    const b = before.get(f.path);
    if (!b || b[1] !== f.size || b[2] !== f.mtimeMs) continue;
    const i = row.get(f.path);
    const outcome = i !== undefined ? imageAt(ds, i) : skip.get(f.path);
    if (outcome) out.set(f.path, outcome);
  }
  return out;
}

/**
 * Checks what a scan can tell before anything is decoded: at least 2 class folders
 * (`DataError('TOO_FEW_CLASSES')`), and no class folder without a single file
 * (`DataError('EMPTY_CLASS')`, naming every empty folder). A class whose files all fail to
 * decode is only known after decoding, and {@link importImageFolder} refuses it then.
 */
export function checkImageFolderLayout(root: string, scan: FolderScan): void {
  if (scan.classNames.length < 2) {
    throw new DataError(
      'TOO_FEW_CLASSES',
      `${root}: found ${scan.classNames.length} class folder(s); an ImageFolder needs at least 2 (one sub-folder per class)`,
    );
  }
  const withFiles = new Set(scan.files.map((f) => f.label));
  const empty = scan.classFolders.filter((name) => !withFiles.has(scan.classNames.indexOf(name)));
  if (empty.length) {
    throw new DataError(
      'EMPTY_CLASS',
      `${root}: class folder${empty.length > 1 ? 's' : ''} ${empty.map((n) => `"${n}"`).join(', ')} ${empty.length > 1 ? 'hold' : 'holds'} no files; ` +
        'add images or remove the folder (every sub-folder is a class, and a class without images cannot be learned)',
    );
  }
}

function checkEveryClassHasImages(root: string, scan: FolderScan, ds: ImageDataset, skipped: readonly SkippedFile[]): void {
  const counts = classCounts(ds);
  for (const name of scan.classFolders) {
    if (counts[scan.classNames.indexOf(name)] > 0) continue;
    const reasons = skipped.filter((s) => s.path.startsWith(`${name}/`)).map((s) => `${s.path}: ${s.reason}`);
    throw new DataError(
      'EMPTY_CLASS',
      `${path.join(root, name)}: class "${name}" has no usable image` + (reasons.length ? ` (${reasons.slice(0, 5).join('; ')})` : ' (the folder is empty)'),
    );
  }
}

function isCurrent(
  m: CacheManifest,
  scan: FolderScan,
  files: ReadonlyArray<readonly [string, number, number]>,
  settings: Record<string, string | number>,
): boolean {
  return (
    m.kind === 'image-folder' &&
    sameJson(m.classNames, scan.classNames) &&
    sameJson(m.settings, settings) &&
    m.files.length === files.length &&
    m.files.every((f, i) => f[0] === files[i][0] && f[1] === files[i][1] && f[2] === files[i][2])
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
