import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CHANNELS, ImageDataset, classCounts, imageBytes } from './dataset';
import { DataError, assertOption } from './errors';
import type { SkippedFile } from './summary';

/** Bumped whenever the cache layout or the decoding changes; older caches are rebuilt. */
export const CACHE_FORMAT_VERSION = 1;

const MAGIC = 'ADVLDS01';
const HEADER_BYTES = 32;

/** Where a cached data set lives: `<dir>/<name>.json` (manifest) and `<dir>/<name>.bin` (pixels). */
export interface CacheLocation {
  readonly dir: string;
  /** Letters, digits, '.', '_' and '-'. */
  readonly name: string;
}

/**
 * The JSON half of a cache: what was imported, how, and what each stored image is.
 *
 * The binary half (`binFile`) is a 32-byte header (`ADVLDS01`, then uint32 LE count,
 * height, width, channels, labels offset, pixels offset), `count` int32 LE labels,
 * then `count * height * width * 3` uint8 pixels, NHWC RGB.
 */
export interface CacheManifest {
  readonly formatVersion: number;
  readonly kind: 'image-folder' | 'idx';
  /** The imported folder or files (absolute paths), for people. */
  readonly source: string;
  readonly createdAt: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classNames: readonly string[];
  readonly counts: readonly number[];
  /** The settings that shaped the pixels (image size, background, pixel limit, ...). */
  readonly settings: Readonly<Record<string, string | number>>;
  /** Every file the source held when imported, as `[relative path, bytes, mtimeMs]`, sorted. */
  readonly files: ReadonlyArray<readonly [string, number, number]>;
  /** Source of each stored image, in storage order. */
  readonly ids: readonly string[];
  readonly skipped: readonly SkippedFile[];
  readonly binFile: string;
  readonly binBytes: number;
}

/** The two file paths of a cache location. */
export function cachePaths(loc: CacheLocation): { manifest: string; bin: string } {
  assertOption(/^[A-Za-z0-9._-]+$/.test(loc.name), () => `cache name "${loc.name}" may use only letters, digits, '.', '_' and '-'`);
  return { manifest: path.join(loc.dir, `${loc.name}.json`), bin: path.join(loc.dir, `${loc.name}.bin`) };
}

/** Manifest fields the writer fills in from the data set itself. */
export type ManifestInput = Omit<
  CacheManifest,
  'formatVersion' | 'createdAt' | 'count' | 'height' | 'width' | 'channels' | 'classNames' | 'counts' | 'ids' | 'binFile' | 'binBytes'
>;

/**
 * Writes `dataset` to a cache: the binary file first, then the manifest, each through a
 * temporary file and a rename, so a reader never sees a half-written cache.
 */
export async function writeDatasetCache(loc: CacheLocation, dataset: ImageDataset, meta: ManifestInput): Promise<CacheManifest> {
  const paths = cachePaths(loc);
  await fs.mkdir(loc.dir, { recursive: true });
  const bin = encodeBin(dataset);
  const manifest: CacheManifest = {
    formatVersion: CACHE_FORMAT_VERSION,
    ...meta,
    createdAt: new Date().toISOString(),
    count: dataset.count,
    height: dataset.height,
    width: dataset.width,
    channels: CHANNELS,
    classNames: dataset.classNames,
    counts: classCounts(dataset),
    ids: dataset.ids ?? Array.from({ length: dataset.count }, (_, i) => String(i)),
    binFile: path.basename(paths.bin),
    binBytes: bin.length,
  };
  await writeAtomic(paths.bin, bin);
  await writeAtomic(paths.manifest, Buffer.from(JSON.stringify(manifest)));
  return manifest;
}

/** The manifest at `loc`, or null when there is none, it is unreadable or of another format version. */
export async function readCacheManifest(loc: CacheLocation): Promise<CacheManifest | null> {
  try {
    const m = JSON.parse(await fs.readFile(cachePaths(loc).manifest, 'utf8')) as CacheManifest;
    return m.formatVersion === CACHE_FORMAT_VERSION ? m : null;
  } catch {
    return null;
  }
}

/** The cached data set and its manifest, or null when the cache is missing, stale in format or damaged. */
export async function readDatasetCache(loc: CacheLocation): Promise<{ dataset: ImageDataset; manifest: CacheManifest } | null> {
  const manifest = await readCacheManifest(loc);
  if (!manifest) return null;
  let bin: Buffer;
  try {
    bin = await fs.readFile(cachePaths(loc).bin);
  } catch {
    return null;
  }
  const dataset = decodeBin(bin, manifest);
  return dataset ? { dataset, manifest } : null;
}

/**
 * Loads a data set imported earlier (by `importImageFolder` with a cache, or the import
 * CLI). Throws `DataError('NOT_FOUND')` when `<dir>/<name>` holds no valid cache.
 */
export async function loadCachedDataset(dir: string, name: string): Promise<ImageDataset> {
  const cached = await readDatasetCache({ dir, name });
  if (!cached) throw new DataError('NOT_FOUND', `${path.join(dir, name)}.json: no imported data set there (run the import tool first)`);
  return cached.dataset;
}

function encodeBin(ds: ImageDataset): Buffer {
  const labelsOffset = HEADER_BYTES;
  const pixelsOffset = labelsOffset + 4 * ds.count;
  const out = Buffer.alloc(pixelsOffset + ds.pixels.length);
  out.write(MAGIC, 0, 'latin1');
  [ds.count, ds.height, ds.width, CHANNELS, labelsOffset, pixelsOffset].forEach((v, i) => out.writeUInt32LE(v, 8 + 4 * i));
  for (let i = 0; i < ds.count; i++) out.writeInt32LE(ds.labels[i], labelsOffset + 4 * i);
  out.set(ds.pixels, pixelsOffset);
  return out;
}

function decodeBin(bin: Buffer, m: CacheManifest): ImageDataset | null {
  if (bin.length !== m.binBytes || bin.length < HEADER_BYTES || bin.toString('latin1', 0, 8) !== MAGIC) return null;
  const [count, height, width, channels, labelsOffset, pixelsOffset] = [0, 1, 2, 3, 4, 5].map((i) => bin.readUInt32LE(8 + 4 * i));
  if (count !== m.count || height !== m.height || width !== m.width || channels !== CHANNELS) return null;
  if (pixelsOffset + count * imageBytes({ height, width }) !== bin.length) return null;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = bin.readInt32LE(labelsOffset + 4 * i);
  if (labels.some((l) => l < 0 || l >= m.classNames.length)) return null;
  const pixels = new Uint8Array(bin.buffer, bin.byteOffset + pixelsOffset, bin.length - pixelsOffset);
  return { classNames: m.classNames, pixels, labels, count, height, width, ids: m.ids };
}

async function writeAtomic(file: string, data: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}
