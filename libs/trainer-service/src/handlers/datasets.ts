/**
 * Datasets: ListDatasets, GetDataset, ImportDataset (streamed progress) and SampleDataset
 * (sample images, augmented as training would).
 */
import { AUGMENTATION_FIELDS } from '@advlab/config';
import { Split, type ImportDatasetRequest, type ImportDatasetResponse, type Sample, type SampleDatasetRequest, type SampleDatasetResponse, type TrainerServiceServer } from '@advlab/contract';
import { augmentBatch, createRng, datasetSlice, encodePng, permutation, sampleAugmentParams, subsetDataset } from '@advlab/data';
import { invalidArgument, PushStream, serverStream, unary } from '@advlab/grpc-server';
import { cutmix, mixup, oneHotTargets, Rng } from '@advlab/model';
import { splitOptions, type Registry } from '@advlab/registry';
import * as tf from '@tensorflow/tfjs-core';
import { augmentOptions } from '../jobs/training';
import type { TrainerDeps } from '../service';

/**
 * Sample images of a dataset as PNGs with their labels, optionally augmented
 * exactly as training would (flip and jitter, then Mixup or CutMix), with the
 * label weights the mixing produced.
 */
export async function sampleDataset(registry: Registry, request: SampleDatasetRequest): Promise<SampleDatasetResponse> {
  const count = request.count ?? 32;
  if (!Number.isInteger(count) || count < 1 || count > 256) throw invalidArgument(`count must be in [1, 256], got ${count}`);
  const { images } = await registry.datasets.split(request.datasetId, request.split || Split.SPLIT_TRAIN, splitOptions());
  const picked = Array.from(permutation(images.count, createRng(request.seed)).subarray(0, Math.min(count, images.count)));
  const ds = subsetDataset(images, picked);
  const k = ds.classNames.length;
  const aug = request.augmentation;
  const options = aug ? augmentOptions(aug) : false;
  const { pixels, weights } = tf.tidy(() => {
    let x = datasetSlice(ds, 0, ds.count);
    let targets = oneHotTargets(ds.labels, k);
    if (options) x = augmentBatch(x, sampleAugmentParams(ds.count, options, createRng(request.seed, 1)));
    const mix = aug?.mix;
    if (mix) {
      const rng = new Rng(request.seed, 2);
      const mixed = mix.$case === 'mixup' ? mixup(x, targets, mix.value.alpha || (AUGMENTATION_FIELDS.mixupAlpha.default as number), rng) : cutmix(x, targets, mix.value.alpha || (AUGMENTATION_FIELDS.cutmixAlpha.default as number), rng);
      x = mixed.x;
      targets = mixed.targets;
    }
    return { pixels: x.dataSync() as Float32Array, weights: targets.dataSync() as Float32Array };
  });
  const per = ds.height * ds.width * 3;
  const samples: Sample[] = [];
  for (let i = 0; i < ds.count; i++) {
    const row = weights.subarray(i * k, (i + 1) * k);
    let dominant = 0;
    const labelWeights: Record<number, number> = {};
    for (let c = 0; c < k; c++) {
      if (row[c] > 1e-6) labelWeights[c] = row[c];
      if (row[c] > row[dominant]) dominant = c;
    }
    samples.push({
      index: picked[i],
      png: await encodePng(pixels.subarray(i * per, (i + 1) * per), ds.height, ds.width),
      classIndex: dominant,
      label: ds.classNames[dominant],
      labelWeights,
    });
  }
  return { samples, classNames: [...ds.classNames] };
}

/** Least time between two progress messages of an import. */
const IMPORT_PROGRESS_INTERVAL_MS = 100;

/**
 * ImportDataset: a bad request, a missing folder or a folder with an empty class is refused
 * before the first message; then progress (the latest, at most every 100 ms) and the dataset.
 * The import is tied to the call: a client that leaves cancels it, and it removes what it
 * wrote before the stream is done.
 */
export async function* importDataset(registry: Registry, request: ImportDatasetRequest, signal: AbortSignal): AsyncGenerator<ImportDatasetResponse> {
  const pending = await registry.datasets.prepareImport(request, signal);
  const updates = new PushStream<ImportDatasetResponse>();
  // Settles with the import's error (or undefined), never rejects: nothing here is left unhandled.
  const failure = pending
    .run((progress) => updates.replace(() => true, { event: { $case: 'progress', value: progress } }), signal)
    .then(
      (dataset) => {
        updates.push({ event: { $case: 'dataset', value: dataset } });
        return undefined;
      },
      (err: unknown) => ({ err }),
    )
    .finally(() => updates.end());
  try {
    for await (const update of updates) {
      yield update;
      if (update.event?.$case === 'progress') await delay(IMPORT_PROGRESS_INTERVAL_MS, signal);
    }
    const failed = await failure;
    if (failed) throw failed.err;
  } finally {
    // The consumer may have left: the signal is aborted by then, and the import cleans up before this returns.
    await failure;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The dataset handlers of the TrainerService. */
export function datasetHandlers(deps: TrainerDeps): Pick<TrainerServiceServer, 'listDatasets' | 'getDataset' | 'importDataset' | 'sampleDataset'> {
  const { registry } = deps;
  return {
    listDatasets: unary('ListDatasets', async () => ({ datasets: await registry.datasets.list() })),
    getDataset: unary('GetDataset', async (request) => ({ dataset: await registry.datasets.get(request.datasetId) })),
    importDataset: serverStream('ImportDataset', (request, { signal }) => importDataset(registry, request, signal)),
    sampleDataset: unary('SampleDataset', (request) => sampleDataset(registry, request)),
  };
}
