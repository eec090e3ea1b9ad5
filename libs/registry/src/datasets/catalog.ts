import { Dataset, Split, type ImportDatasetRequest, type ImportProgress as ProtoImportProgress, type TrainingConfig } from '@advlab/contract';
import {
  BUNDLED_DATASET_DIR,
  classCounts,
  FASHION_MNIST_CLASSES,
  importImageFolder,
  importIdx,
  isDataError,
  loadBundledDataset,
  loadCachedDataset,
  splitDataset,
  writeDatasetCache,
  type ImageDataset,
  type ImportProgress,
} from '@advlab/data';
import { invalidArgument, notFound, RpcError } from '@advlab/grpc-server';
import { status } from '@grpc/grpc-js';
import * as path from 'node:path';
import { DatasetRepository, newId } from '../store';

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

/** Maps a data-lib error to a gRPC status: a missing folder is NOT_FOUND, everything else the caller's to fix. */
export function toRpcError(err: unknown): unknown {
  if (isDataError(err)) return new RpcError(err.code === 'NOT_FOUND' ? status.NOT_FOUND : status.INVALID_ARGUMENT, err.message);
  return err;
}

const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The datasets the trainer knows: the bundled Fashion-MNIST subset, and every
 * imported folder or IDX set (pixels in the data lib's uint8 cache under
 * `<dataDir>/datasets/<id>/`). Keeps the most recently used ones in memory.
 */
export class DatasetCatalog {
  private readonly loaded = new Map<string, Promise<LoadedDataset>>();

  constructor(
    private readonly repo: DatasetRepository,
    private readonly dataDir: string,
    private readonly memoryLimit = 4,
  ) {}

  /** Registers the bundled dataset (idempotent; safe when two services start at once). */
  registerBundled(): void {
    if (this.repo.get(BUNDLED_DATASET_ID)) return;
    this.repo.upsert(
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

  list(): Dataset[] {
    return this.repo.list();
  }

  /** The dataset record; NOT_FOUND when unknown. */
  get(id: string): Dataset {
    if (!id) throw invalidArgument('dataset_id is required');
    const stored = this.repo.get(id);
    if (!stored) throw notFound(`dataset "${id}" not found (ListDatasets shows the ones available)`);
    return stored.dataset;
  }

  /** The dataset's images, from memory or the cache. */
  load(id: string): Promise<LoadedDataset> {
    const info = this.get(id);
    let pending = this.loaded.get(id);
    if (!pending) {
      pending = this.read(id, info);
      pending.catch(() => this.loaded.delete(id));
      this.loaded.set(id, pending);
      while (this.loaded.size > this.memoryLimit) this.loaded.delete(this.loaded.keys().next().value as string);
    } else {
      // Most recently used last.
      this.loaded.delete(id);
      this.loaded.set(id, pending);
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
   * Imports an ImageFolder or IDX files into the cache and registers it.
   * Re-importing a name replaces that dataset (the cache skips unchanged files).
   */
  async import(request: ImportDatasetRequest, onProgress: (p: ProtoImportProgress) => void, signal: AbortSignal): Promise<Dataset> {
    if (!NAME_PATTERN.test(request.name)) {
      throw invalidArgument(`name must be 1-64 characters of letters, digits, '.', '_' or '-', got "${request.name}"`);
    }
    if (request.name === BUNDLED_DATASET_ID) throw invalidArgument(`name "${BUNDLED_DATASET_ID}" is the bundled dataset's`);
    if (request.imageSize && (request.imageSize < 8 || request.imageSize > 512)) {
      throw invalidArgument(`image_size must be in [8, 512], got ${request.imageSize}`);
    }
    const existing = this.repo.findByName(request.name);
    const id = existing?.dataset.id ?? newId('ds');
    const dir = path.join(this.dataDir, 'datasets', id);
    const progress = (p: ImportProgress) => onProgress({ done: p.done, total: p.total, skipped: p.skipped });
    const limitInputPixels = request.maxPixels || undefined;
    try {
      let train: ImageDataset;
      let test: ImageDataset | undefined;
      let skipped: Dataset['skipped'] = [];
      let source: string;
      if (request.source?.$case === 'imageFolder') {
        source = path.resolve(request.source.value);
        const imageSize = request.imageSize || 64;
        const result = await importImageFolder(source, { imageSize, limitInputPixels, cache: { dir, name: 'train' }, onProgress: progress, signal });
        train = result.dataset;
        skipped = result.summary.skipped.map((s) => ({ path: s.path, reason: s.detail ? `${s.reason}: ${s.detail}` : s.reason }));
        if (request.testFolder) {
          const t = await importImageFolder(path.resolve(request.testFolder), {
            imageSize,
            limitInputPixels,
            classNames: train.classNames,
            cache: { dir, name: 'test' },
            onProgress: progress,
            signal,
          });
          test = t.dataset;
          skipped = [...skipped, ...t.summary.skipped.map((s) => ({ path: `test/${s.path}`, reason: s.reason }))];
        }
      } else if (request.source?.$case === 'idx') {
        const idx = request.source.value;
        if (!idx.trainImages || !idx.trainLabels) throw invalidArgument('idx.train_images and idx.train_labels are required');
        const opts = {
          imageSize: request.imageSize || undefined,
          classNames: idx.classNames.length ? idx.classNames : undefined,
          maxPerClass: idx.maxPerClass || undefined,
          onProgress: progress,
        };
        source = path.resolve(idx.trainImages);
        train = await importIdx(idx.trainImages, idx.trainLabels, opts);
        await writeDatasetCache({ dir, name: 'train' }, train, { kind: 'idx', source, settings: {}, files: [], skipped: [] });
        if (idx.testImages && idx.testLabels) {
          test = await importIdx(idx.testImages, idx.testLabels, { ...opts, classNames: train.classNames });
          await writeDatasetCache({ dir, name: 'test' }, test, { kind: 'idx', source: path.resolve(idx.testImages), settings: {}, files: [], skipped: [] });
        }
      } else {
        throw invalidArgument('source is required: image_folder or idx');
      }
      const dataset = Dataset.fromPartial({
        id,
        name: request.name,
        source,
        imageSize: train.height,
        classNames: [...train.classNames],
        trainCounts: [...classCounts(train)],
        testCounts: test ? [...classCounts(test)] : [],
        skipped,
        createdAt: existing?.dataset.createdAt ?? new Date(),
        builtin: false,
      });
      this.repo.upsert(dataset, dir);
      this.loaded.delete(id);
      return dataset;
    } catch (err) {
      throw toRpcError(err);
    }
  }

  private async read(id: string, info: Dataset): Promise<LoadedDataset> {
    if (info.builtin) {
      const { train, test } = await loadBundledDataset();
      return { info, train, test };
    }
    const dir = this.repo.get(id)?.cacheDir as string;
    const train = await loadCachedDataset(dir, 'train');
    const test = info.testCounts.length ? await loadCachedDataset(dir, 'test') : undefined;
    return { info, train, test };
  }
}

