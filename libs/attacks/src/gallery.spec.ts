import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { ImageDataset, loadBundledDataset } from '@advlab/data';
import { createModel, Model } from '@advlab/model';
import { modelClassifier } from './classifier';
import { buildGallery, Gallery, gallerySheetSize } from './gallery';
import { TINY_MODEL_CONFIG, useTestBackend } from './testing';

describe('the gallery of adversarial examples', () => {
  let model: Model;
  let test: ImageDataset;
  let gallery: Gallery;
  let before: number;

  beforeAll(async () => {
    await useTestBackend();
    test = (await loadBundledDataset()).test;
    model = createModel(TINY_MODEL_CONFIG, 10, 5);
    before = tf.memory().numTensors;
    gallery = await buildGallery(modelClassifier(model), test, { seed: 7, batchSize: 16 });
  }, 60_000);
  afterAll(() => model.dispose());

  it('shows the notebook 20 images, chosen by seed, attacked with its PGD, without leaking tensors', async () => {
    expect(tf.memory().numTensors).toBe(before);
    expect(gallery.items).toHaveLength(20);
    expect(new Set(gallery.items.map((i) => i.index)).size).toBe(20);
    expect(gallery.attack).toMatchObject({ attack: 'pgd', norm: 'linf', eps: 8 / 255, stepSize: 0.002, steps: 20 });
    const again = await buildGallery(modelClassifier(model), test, { seed: 7, count: 3 });
    const other = await buildGallery(modelClassifier(model), test, { seed: 8, count: 3 });
    expect(again.items.map((i) => i.index)).toEqual(gallery.items.slice(0, 3).map((i) => i.index));
    expect(other.items.map((i) => i.index)).not.toEqual(again.items.map((i) => i.index));
  });

  it('labels each image with its class, both predictions and the outcome', () => {
    for (const it of gallery.items) {
      expect(it.label).toBe(test.labels[it.index]);
      expect(it.labelName).toBe(test.classNames[it.label]);
      for (const p of [it.clean, it.adversarial]) {
        expect(p.name).toBe(test.classNames[p.class]);
        expect(p.confidence).toBeGreaterThan(0);
        expect(p.confidence).toBeLessThanOrEqual(1);
      }
      expect(it.success).toBe(it.adversarial.class !== it.label);
      expect(it.maxAbsDelta).toBeLessThanOrEqual(8 / 255 + 1e-6);
    }
  });

  it('encodes every image as a 28x28 RGB PNG; the perturbation is 0.5 + 10 delta', async () => {
    for (const it of gallery.items) {
      for (const png of [it.png.clean, it.png.adversarial, it.png.perturbation]) {
        expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 28, height: 28, channels: 3 });
      }
      const clean = await sharp(it.png.clean).raw().toBuffer();
      expect(Array.from(clean)).toEqual(Array.from(test.pixels.subarray(it.index * 28 * 28 * 3, (it.index + 1) * 28 * 28 * 3)));
      // |delta| <= 8/255, so the amplified perturbation stays within 127.5 +- 80 grey levels.
      const pert = await sharp(it.png.perturbation).raw().toBuffer();
      expect(Math.min(...pert)).toBeGreaterThanOrEqual(47);
      expect(Math.max(...pert)).toBeLessThanOrEqual(208);
    }
  });

  it('composes one contact sheet of 4 rows of 5 cells, images upscaled 4x to 112 pixels', async () => {
    expect(gallery.scale).toBe(4);
    // 5 cells of (3 x 112 + 2 x 2) pixels with 8-pixel padding; 4 rows of 112 + 49 caption pixels under a 44-pixel header.
    expect(gallerySheetSize(20, 28, 28, 4)).toEqual({ width: 8 + 5 * (340 + 8), height: 44 + 8 + 4 * (112 + 49 + 8) });
    expect(await sharp(gallery.sheet).metadata()).toMatchObject({ format: 'png', width: 1748, height: 728, channels: 3 });
    expect([gallery.sheetWidth, gallery.sheetHeight]).toEqual([1748, 728]);
  });
});
