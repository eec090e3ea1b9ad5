import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_DATASET_DIR, BUNDLED_FILES, FASHION_MNIST_CLASSES, loadBundledDataset } from './bundled';
import { classCounts } from './dataset';

describe('bundled Fashion-MNIST subset', () => {
  it('loads 500 training and 100 test images per class, 28x28 RGB, from the repository alone', async () => {
    const { train, test } = await loadBundledDataset();
    expect(train.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect([train.count, train.height, train.width]).toEqual([5000, 28, 28]);
    expect(classCounts(train)).toEqual(new Array(10).fill(500));
    expect(test.count).toBe(1000);
    expect(classCounts(test)).toEqual(new Array(10).fill(100));
    // Real images: not blank, grey replicated.
    const first = train.pixels.subarray(0, 28 * 28 * 3);
    expect(first.some((v) => v > 100)).toBe(true);
    for (let p = 0; p < 28 * 28; p++) expect(first[3 * p]).toBe(first[3 * p + 1]);
  }, 60_000);

  it('stays under 5 MB and keeps its licence and provenance', async () => {
    let bytes = 0;
    for (const f of Object.values(BUNDLED_FILES)) bytes += (await fs.stat(path.join(BUNDLED_DATASET_DIR, f))).size;
    expect(bytes).toBeLessThan(5e6);
    expect(await fs.readFile(path.join(BUNDLED_DATASET_DIR, 'LICENSE'), 'utf8')).toMatch(/Zalando SE/);
    expect(await fs.readFile(path.join(BUNDLED_DATASET_DIR, 'README.md'), 'utf8')).toMatch(/dataset-fashion-mnist/);
  });

  it('resizes on request', async () => {
    const { test } = await loadBundledDataset({ imageSize: 32 });
    expect([test.height, test.width, test.pixels.length]).toEqual([32, 32, 1000 * 32 * 32 * 3]);
  }, 60_000);
});
