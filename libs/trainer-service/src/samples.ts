import { Split, type SampleDatasetRequest, type SampleDatasetResponse, type Sample } from '@advlab/contract';
import { createRng, encodePng, permutation, sampleAugmentParams, augmentBatch, subsetDataset } from '@advlab/data';
import { invalidArgument } from '@advlab/grpc-server';
import { cutmix, mixup, oneHotTargets, Rng } from '@advlab/model';
import { splitOptions, type Registry } from '@advlab/registry';
import * as tf from '@tensorflow/tfjs-core';
import { datasetSlice } from '@advlab/service-kit';
import { augmentOptions } from './jobs/training';

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
      const mixed = mix.$case === 'mixup' ? mixup(x, targets, mix.value.alpha || 0.4, rng) : cutmix(x, targets, mix.value.alpha || 1, rng);
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
