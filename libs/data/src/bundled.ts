import * as path from 'node:path';
import type { ImageDataset } from './dataset';
import { importIdx } from './idx-dataset';

/** Fashion-MNIST's class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Folder of the bundled Fashion-MNIST subset (`data/fashion-mnist-mini` at the repository root). */
export const BUNDLED_DATASET_DIR = path.resolve(__dirname, '../../../data/fashion-mnist-mini');

/** File names of the bundled subset, the same as Fashion-MNIST's own (gzipped IDX). */
export const BUNDLED_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** Images per class in the bundled subset. */
export const BUNDLED_COUNTS = { trainPerClass: 500, testPerClass: 100 } as const;

/**
 * The bundled real data set: a class-balanced subset of Fashion-MNIST (MIT licence, see
 * `data/fashion-mnist-mini/README.md`) with 500 training and 100 test images per class,
 * 10 classes ({@link FASHION_MNIST_CLASSES}), 28x28 grey replicated to RGB unless
 * `imageSize` asks for another size. Needs nothing outside the repository.
 */
export async function loadBundledDataset(opts: { imageSize?: number; dir?: string } = {}): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const dir = opts.dir ?? BUNDLED_DATASET_DIR;
  const idxOpts = { classNames: FASHION_MNIST_CLASSES, imageSize: opts.imageSize };
  const [train, test] = await Promise.all([
    importIdx(path.join(dir, BUNDLED_FILES.trainImages), path.join(dir, BUNDLED_FILES.trainLabels), idxOpts),
    importIdx(path.join(dir, BUNDLED_FILES.testImages), path.join(dir, BUNDLED_FILES.testLabels), idxOpts),
  ]);
  return { train, test };
}
