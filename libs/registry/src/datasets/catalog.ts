import { Dataset, Split, type IdxSource, type ImportDatasetRequest, type ImportProgress as ProtoImportProgress, type TrainingConfig } from '@advlab/contract';
import {
  BUNDLED_DATASET_DIR,
  checkImageFolderLayout,
  classCounts,
  DataError,
  DEFAULT_LIMIT_INPUT_PIXELS,
  FileRoots,
  FASHION_MNIST_CLASSES,
  importImageFolder,
  importIdx,
  loadBundledDataset,
  loadCachedDataset,
  scanImageFolder,
  splitDataset,
  writeDatasetCache,
  type FileLimits,
  type FolderScan,
  type ImageDataset,
  type ResolvedPath,
  type ImportProgress,
} from '@advlab/data';
import { checkImportRequest } from '@advlab/config/resolve';
import { invalidRequest as invalidArgument, unknownId as notFound, wrongState as failedPrecondition } from '../errors';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { newId, type BlobStore, type DatasetRecordStore, type StoredDataset } from '../store';

/** Id and name of the bundled Fashion-MNIST subset. */
export const BUNDLED_DATASET_ID = 'fashion-mnist-mini';

/** How a dataset is split into training and validation images. */
export interface SplitOptions {
  validationFraction: number;
  seed: number;
  stratified: boolean;
}

/**
 * The split a training config made (the notebook's 90/10, seed 1234,
 * stratified when a field is unset): evaluations, attacks and samples use it
 * to see the same validation images the run saw.
 */
export function splitOptions(training?: Pick<TrainingConfig, 'validationFraction' | 'seed' | 'stratified'>): SplitOptions {
  return { validationFraction: training?.validationFraction ?? 0.1, seed: training?.seed ?? 1234, stratified: training?.stratified ?? true };
}

/** A dataset's pixels in memory. */
export interface LoadedDataset {
  info: Dataset;
  /** All labelled training images (before the validation split). */
  train: ImageDataset;
  /** The labelled test set, when there is one. */
  test?: ImageDataset;
}

/** The train / validation / test images of a dataset for one seed and fraction. */
export interface DatasetSplits {
  train: ImageDataset;
  validation: ImageDataset;
  test?: ImageDataset;
}

/** An import whose request was checked and whose folders were scanned; `run` decodes and registers. */
export interface PendingImport {
  run(onProgress: (p: ProtoImportProgress) => void, signal: AbortSignal): Promise<Dataset>;
}

/** What an import body produced, before registration. */
interface ImportedData {
  source: string;
  train: ImageDataset;
  test?: ImageDataset;
  skipped: Dataset['skipped'];
}

/** What a catalog lets clients read. */
export interface CatalogAccess {
  importRoots: readonly string[];
  fileLimits?: Partial<FileLimits>;
  /** Largest image decoded, in pixels. */
  maxPixels: number;
  /**
   * Where dataset caches are shared when workers on other machines read them
   * (scaled out): each import's cache files are stored there too, and a
   * process that lacks a cache copies it into its data directory first.
   */
  blobs?: BlobStore;
}

/**
 * The datasets the trainer knows: the bundled Fashion-MNIST subset, and every
 * imported folder or IDX set (pixels in the data lib's uint8 cache under
 * `<dataDir>/datasets/<id>/`). Keeps the most recently used ones in memory.
 */
export class DatasetCatalog {
  private readonly loaded = new Map<string, Promise<LoadedDataset>>();
  /** Names being imported now. */
  private readonly importing = new Set<string>();

  private roots: Promise<FileRoots> | undefined;

  constructor(
    private readonly repo: DatasetRecordStore,
    private readonly dataDir: string,
    private readonly access: CatalogAccess = { importRoots: [path.join(dataDir, 'imports')], maxPixels: DEFAULT_LIMIT_INPUT_PIXELS },
    private readonly memoryLimit = 4,
  ) {}

  /** The folders clients may have this server read, and the limits of each read. */
  fileRoots(): Promise<FileRoots> {
    if (!this.roots) {
      const pending = FileRoots.create(this.access.importRoots, this.access.fileLimits);
      pending.catch(() => (this.roots = undefined));
      this.roots = pending;
    }
    return this.roots;
  }

  /**
   * The pixel limit of one decode: the server's, or lower when a request asks for lower
   * (never higher: a client cannot raise what the server allows).
   */
  pixelLimit(requested?: number): number {
    return requested && requested > 0 ? Math.min(requested, this.access.maxPixels) : this.access.maxPixels;
  }

  /**
   * A folder a client named (for a prediction), resolved inside the import roots:
   * PERMISSION_DENIED outside them, NOT_FOUND when missing.
   */
  async resolveFolder(requested: string): Promise<ResolvedPath> {
    return (await this.fileRoots()).resolve(requested, 'folder');
  }

  /** Registers the bundled dataset (idempotent; safe when two services start at once). */
  async registerBundled(): Promise<void> {
    if (await this.repo.get(BUNDLED_DATASET_ID)) return;
    await this.repo.upsert(
      Dataset.fromPartial({
        id: BUNDLED_DATASET_ID,
        name: BUNDLED_DATASET_ID,
        source: BUNDLED_DATASET_DIR,
        imageSize: 28,
        classNames: [...FASHION_MNIST_CLASSES],
        trainCounts: FASHION_MNIST_CLASSES.map(() => 500),
        testCounts: FASHION_MNIST_CLASSES.map(() => 100),
        builtin: true,
        createdAt: new Date(),
      }),
      BUNDLED_DATASET_DIR,
    );
  }

  list(): Promise<Dataset[]> {
    return this.repo.list();
  }

  /** The dataset record; NOT_FOUND when unknown. */
  async get(id: string): Promise<Dataset> {
    return (await this.stored(id)).dataset;
  }

  private async stored(id: string): Promise<StoredDataset> {
    if (!id) throw invalidArgument('dataset_id is required');
    const stored = await this.repo.get(id);
    if (!stored) throw notFound(`dataset "${id}" not found (ListDatasets shows the ones available)`);
    return stored;
  }

  /** The dataset's images, from memory or the cache. */
  async load(id: string): Promise<LoadedDataset> {
    const stored = await this.stored(id);
    // Keyed by the cache folder too: a re-import (by this process or another) writes a new one.
    const key = `${id}@${stored.cacheDir}`;
    let pending = this.loaded.get(key);
    if (!pending) {
      this.forget(id);
      pending = this.read(stored);
      pending.catch(() => this.loaded.delete(key));
      this.loaded.set(key, pending);
      while (this.loaded.size > this.memoryLimit) this.loaded.delete(this.loaded.keys().next().value as string);
    } else {
      // Most recently used last.
      this.loaded.delete(key);
      this.loaded.set(key, pending);
    }
    return pending;
  }

  /** The seeded train / validation split (and the test set). */
  async splits(id: string, opts: SplitOptions): Promise<DatasetSplits> {
    const data = await this.load(id);
    const { train, validation } = splitDataset(data.train, opts);
    return { train, validation, test: data.test };
  }

  /** The images of one split; `Split.SPLIT_UNSPECIFIED` is test when present, else validation. */
  async split(id: string, which: Split, opts: SplitOptions): Promise<{ images: ImageDataset; split: Split }> {
    const s = await this.splits(id, opts);
    const split = which === Split.SPLIT_UNSPECIFIED ? (s.test ? Split.SPLIT_TEST : Split.SPLIT_VALIDATION) : which;
    if (split === Split.SPLIT_TEST) {
      if (!s.test) throw invalidArgument(`dataset "${id}" has no test split; use SPLIT_VALIDATION`);
      return { images: s.test, split };
    }
    if (split === Split.SPLIT_TRAIN) return { images: s.train, split };
    if (split === Split.SPLIT_VALIDATION) return { images: s.validation, split };
    throw invalidArgument(`split ${which} is not a known split`);
  }

  /**
   * Checks an import request and scans its folders, before anything is decoded: a bad
   * name or size, a missing source, a folder with fewer than 2 classes or with an empty class
   * folder are refused here (INVALID_ARGUMENT / NOT_FOUND), so a streaming caller can answer
   * with a status before its first progress message. Aborting `signal` stops a long scan.
   *
   * The dataset's name stays reserved until the returned import has run: call its `run`.
   * It decodes into a new cache folder and registers the dataset only when everything succeeded; failed or cancelled, it removes what it wrote and registers nothing,
   * so the previous version of a re-imported dataset stays as it was.
   */
  async prepareImport(request: ImportDatasetRequest, signal: AbortSignal): Promise<PendingImport> {
    checkImportRequest(request, [BUNDLED_DATASET_ID]);
    if (this.importing.has(request.name)) {
      throw failedPrecondition(`dataset "${request.name}" is being imported already; wait for that import to end`);
    }
    // The name is held from here until the import's `run` ends (or this check fails).
    this.importing.add(request.name);
    try {
      const roots = await this.fileRoots();
      if (request.source?.$case === 'imageFolder') {
        const folder = await roots.resolve(request.source.value, 'folder');
        const source = folder.path;
        const scan = await scanImageFolder(source, undefined, { signal, within: folder.root, limits: roots.limits });
        checkImageFolderLayout(request.source.value, scan);
        let test: { source: string; scan: FolderScan } | undefined;
        if (request.testFolder) {
          const testFolder = await roots.resolve(request.testFolder, 'folder');
          const testScan = await scanImageFolder(testFolder.path, scan.classNames, { signal, within: testFolder.root, limits: roots.limits });
          checkImageFolderLayout(request.testFolder, testScan);
          test = { source: testFolder.path, scan: testScan };
        }
        return this.pending(request, (dir, reuse, progress, sig) => this.importFolders(request, { source, scan }, test, dir, reuse, progress, sig));
      }
      if (request.source?.$case === 'idx') {
        const idx = request.source.value;
        if (!idx.trainImages || !idx.trainLabels) throw invalidArgument('idx.train_images and idx.train_labels are required');
        if (!idx.testImages !== !idx.testLabels) throw invalidArgument('idx.test_images and idx.test_labels go together');
        const file = async (requested: string) => (requested ? (await roots.resolve(requested, 'file')).path : '');
        const files: IdxSource = {
          ...idx,
          trainImages: await file(idx.trainImages),
          trainLabels: await file(idx.trainLabels),
          testImages: await file(idx.testImages),
          testLabels: await file(idx.testLabels),
        };
        return this.pending(request, (dir, _reuse, progress, sig) => this.importIdxFiles(request, files, dir, progress, sig));
      }
      throw invalidArgument('source is required: image_folder or idx');
    } catch (err) {
      this.importing.delete(request.name);
      throw err;
    }
  }

  /** Imports in one call: {@link prepareImport}, then the import itself. */
  async import(request: ImportDatasetRequest, onProgress: (p: ProtoImportProgress) => void, signal: AbortSignal): Promise<Dataset> {
    return (await this.prepareImport(request, signal)).run(onProgress, signal);
  }

  /**
   * Removes what a killed import or a replaced version left under `<dataDir>/datasets`:
   * every folder no registered dataset uses. Returns the names removed.
   */
  async removeLeftovers(): Promise<string[]> {
    const root = path.join(this.dataDir, 'datasets');
    let names: string[];
    try {
      names = await fs.readdir(root);
    } catch {
      return [];
    }
    const used = new Set<string>();
    for (const d of await this.repo.list()) used.add(this.local((await this.repo.get(d.id))?.cacheDir ?? ''));
    const removed: string[] = [];
    for (const name of names) {
      const dir = path.join(root, name);
      if (used.has(path.resolve(dir))) continue;
      await fs.rm(dir, { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  /** Wraps an import body: a fresh cache folder, the registration on success, the clean-up on failure. */
  private pending(
    request: ImportDatasetRequest,
    body: (dir: string, reuse: string | undefined, progress: (p: ImportProgress) => void, signal: AbortSignal) => Promise<ImportedData>,
  ): PendingImport {
    return {
      run: async (onProgress, signal) => {
        const existing = await this.repo.findByName(request.name);
        const id = existing?.dataset.id ?? newId('ds');
        // Each import writes a folder of its own; the registry switches to it in one update.
        const dir = path.join(this.dataDir, 'datasets', `${id}.${randomBytes(4).toString('hex')}`);
        const progress = (p: ImportProgress) => onProgress({ done: p.done, total: p.total, skipped: p.skipped });
        try {
          const data = await body(dir, existing && !existing.dataset.builtin ? await this.materialize(existing.cacheDir) : undefined, progress, signal);
          if (signal.aborted) throw new DataError('ABORTED', 'import cancelled');
          const dataset = Dataset.fromPartial({
            id,
            name: request.name,
            source: data.source,
            imageSize: data.train.height,
            classNames: [...data.train.classNames],
            trainCounts: [...classCounts(data.train)],
            testCounts: data.test ? [...classCounts(data.test)] : [],
            skipped: data.skipped,
            createdAt: existing?.dataset.createdAt ?? new Date(),
            builtin: false,
          });
          await this.share(dir);
          await this.repo.upsert(dataset, this.access.blobs ? path.relative(this.dataDir, dir) : dir);
          this.forget(id);
          if (existing && this.local(existing.cacheDir) !== path.resolve(dir)) await this.removeCache(existing.cacheDir);
          return dataset;
        } catch (err) {
          await fs.rm(dir, { recursive: true, force: true });
          throw err;
        } finally {
          this.importing.delete(request.name);
        }
      },
    };
  }

  private async importFolders(
    request: ImportDatasetRequest,
    train: { source: string; scan: FolderScan },
    test: { source: string; scan: FolderScan } | undefined,
    dir: string,
    reuse: string | undefined,
    progress: (p: ImportProgress) => void,
    signal: AbortSignal,
  ): Promise<ImportedData> {
    const imageSize = request.imageSize || 64;
    const limitInputPixels = this.pixelLimit(request.maxPixels);
    const common = { imageSize, limitInputPixels, onProgress: progress, signal };
    const result = await importImageFolder(train.source, {
      ...common,
      scan: train.scan,
      cache: { dir, name: 'train' },
      reuseCache: reuse ? { dir: reuse, name: 'train' } : undefined,
    });
    let skipped: Dataset['skipped'] = result.summary.skipped.map((s) => ({ path: s.path, reason: s.detail ? `${s.reason}: ${s.detail}` : s.reason }));
    let testSet: ImageDataset | undefined;
    if (test) {
      const t = await importImageFolder(test.source, {
        ...common,
        scan: test.scan,
        classNames: result.dataset.classNames,
        cache: { dir, name: 'test' },
        reuseCache: reuse ? { dir: reuse, name: 'test' } : undefined,
      });
      testSet = t.dataset;
      skipped = [...skipped, ...t.summary.skipped.map((s) => ({ path: `test/${s.path}`, reason: s.detail ? `${s.reason}: ${s.detail}` : s.reason }))];
    }
    return { source: train.source, train: result.dataset, test: testSet, skipped };
  }

  private async importIdxFiles(
    request: ImportDatasetRequest,
    idx: IdxSource,
    dir: string,
    progress: (p: ImportProgress) => void,
    signal: AbortSignal,
  ): Promise<ImportedData> {
    const opts = {
      imageSize: request.imageSize || undefined,
      classNames: idx.classNames.length ? idx.classNames : undefined,
      maxPerClass: idx.maxPerClass || undefined,
      onProgress: progress,
      signal,
    };
    const source = path.resolve(idx.trainImages);
    const train = await importIdx(idx.trainImages, idx.trainLabels, opts);
    await writeDatasetCache({ dir, name: 'train' }, train, { kind: 'idx', source, settings: {}, files: [], skipped: [] });
    let test: ImageDataset | undefined;
    if (idx.testImages && idx.testLabels) {
      test = await importIdx(idx.testImages, idx.testLabels, { ...opts, classNames: train.classNames });
      await writeDatasetCache({ dir, name: 'test' }, test, { kind: 'idx', source: path.resolve(idx.testImages), settings: {}, files: [], skipped: [] });
    }
    return { source, train, test, skipped: [] };
  }

  /** Drops a dataset's pixels from memory (after a re-import). */
  private forget(id: string): void {
    for (const key of [...this.loaded.keys()]) if (key.startsWith(`${id}@`)) this.loaded.delete(key);
  }

  /** A cache folder as stored (absolute on one machine, relative to the data directory when shared) on this machine. */
  private local(cacheDir: string): string {
    return path.resolve(this.dataDir, cacheDir);
  }

  /** Stores an import's cache files in the shared blobs (scaled out only), keyed `<folder name>/<file>`. */
  private async share(dir: string): Promise<void> {
    const blobs = this.access.blobs;
    if (!blobs) return;
    const name = path.basename(dir);
    for (const file of await filesUnder(dir)) await blobs.put(`${name}/${file}`, await fs.readFile(path.join(dir, file)));
  }

  /**
   * The local folder of a cache; when it is missing and caches are shared, a
   * copy from the blobs (written to a temporary folder, then renamed, so a
   * reader never sees half of it).
   */
  private async materialize(cacheDir: string): Promise<string> {
    const dir = this.local(cacheDir);
    const blobs = this.access.blobs;
    if (!blobs || (await exists(dir))) return dir;
    const name = path.basename(dir);
    const keys = await blobs.list(`${name}/`);
    if (!keys.length) throw failedPrecondition(`the cache of dataset folder "${name}" is neither here nor in the database; import the dataset again`);
    const tmp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      for (const key of keys) {
        const data = await blobs.get(key);
        if (!data) throw failedPrecondition(`dataset cache file ${key} vanished while it was copied; try again`);
        const file = path.join(tmp, key.slice(name.length + 1));
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, data);
      }
      await fs.mkdir(path.dirname(dir), { recursive: true });
      await fs.rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
        // Another load in this process (or a process sharing the folder) finished first.
        if (!(await exists(dir))) throw err;
      });
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
    return dir;
  }

  /** Removes a replaced cache: its local folder and, when shared, its blobs. */
  private async removeCache(cacheDir: string): Promise<void> {
    const dir = this.local(cacheDir);
    await fs.rm(dir, { recursive: true, force: true });
    const blobs = this.access.blobs;
    if (blobs) for (const key of await blobs.list(`${path.basename(dir)}/`)) await blobs.delete(key);
  }

  private async read({ dataset: info, cacheDir }: StoredDataset): Promise<LoadedDataset> {
    if (info.builtin) {
      const { train, test } = await loadBundledDataset();
      return { info, train, test };
    }
    const dir = await this.materialize(cacheDir);
    const train = await loadCachedDataset(dir, 'train');
    const test = info.testCounts.length ? await loadCachedDataset(dir, 'test') : undefined;
    return { info, train, test };
  }
}

/** Files under `dir`, relative, with forward slashes. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
