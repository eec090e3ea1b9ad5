import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { imageAt } from './dataset';
import { decodeImage } from './decode';
import { DataError } from './errors';
import { checkImageFolderLayout, importImageFolder } from './image-folder';
import { scanImageFolder } from './scan';
import type { ImportProgress } from './summary';
import { makeTempDir, removeDir, solidImage, writeFixtureImageFolder, writeTree } from './testing';

/** Mean of each channel of an RGB uint8 image. */
function meanRgb(px: Uint8Array): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < px.length; i++) sum[i % 3] += px[i];
  return sum.map((s) => s / (px.length / 3)) as [number, number, number];
}

describe('importImageFolder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('decodes every format into imageSize x imageSize RGB and lists each bad file with its reason', async () => {
    const expected = await writeFixtureImageFolder(dir);
    const progress: ImportProgress[] = [];
    const { dataset, summary } = await importImageFolder(dir, { imageSize: 16, onProgress: (p) => progress.push(p) });

    expect(dataset.classNames).toEqual(expected.classNames);
    expect(summary.counts).toEqual(expected.counts);
    expect(dataset.count).toBe(14);
    expect([dataset.height, dataset.width]).toEqual([16, 16]);
    expect(dataset.pixels.length).toBe(14 * 16 * 16 * 3);
    expect(dataset.ids).toContain('blue/nested/b3.webp');
    expect(Object.fromEntries(summary.skipped.map((s) => [s.path, s.reason]))).toEqual(expected.bad);
    expect(summary.skipped.every((s) => s.detail.length > 0)).toBe(true);
    expect(summary.fromCache).toBe(false);
    expect(progress.at(-1)).toEqual({ done: 18, total: 18, skipped: 4 });

    const at = (id: string): Uint8Array => imageAt(dataset, (dataset.ids ?? []).indexOf(id));
    // Labels follow the sorted class folders.
    expect(dataset.labels[(dataset.ids ?? []).indexOf('red/r1.jpg')]).toBe(2);
    // Solid colours survive decode and resize (JPEG within a few levels).
    const [r, g, b] = meanRgb(at('red/r2.jpg'));
    expect(r).toBeGreaterThan(245);
    expect(g + b).toBeLessThan(20);
    expect(meanRgb(at('blue/b2.webp'))).toEqual([0, 0, 255]);
    expect(meanRgb(at('green/g3.gif'))).toEqual([0, 255, 0]);
    expect(meanRgb(at('red/shape.svg'))).toEqual([255, 0, 0]);
    expect(meanRgb(at('blue/b4.tiff'))).toEqual([0, 0, 255]);
    // Grey is replicated to R = G = B; full transparency is flattened onto white.
    expect(new Set(at('green/grey.png'))).toEqual(new Set([128]));
    expect(new Set(at('green/transparent.png'))).toEqual(new Set([255]));
  });

  it('flattens transparency onto black when asked', async () => {
    await writeFixtureImageFolder(dir);
    const { dataset } = await importImageFolder(dir, { imageSize: 8, background: 'black' });
    expect(new Set(imageAt(dataset, (dataset.ids ?? []).indexOf('green/transparent.png')))).toEqual(new Set([0]));
  });

  it('squashes a non-square image to the square size without cropping', async () => {
    // Left half red, right half blue, 200x100: both halves must survive the squash.
    const w = 200;
    const h = 100;
    const px = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], 3 * (y * w + x));
    await writeTree(dir, {
      'a/wide.png': await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer(),
      'b/x.png': await solidImage('png', [0, 0, 0]),
    });
    const { dataset } = await importImageFolder(dir, { imageSize: 10 });
    const img = imageAt(dataset, 0);
    expect(Array.from(img.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(img.subarray(27, 30))).toEqual([0, 0, 255]);
  });

  it('refuses images above the pixel limit without decoding them', async () => {
    await writeTree(dir, {
      'a/big.png': await solidImage('png', [1, 2, 3], 400, 300),
      'a/small.png': await solidImage('png', [1, 2, 3], 20, 20),
      'b/small.png': await solidImage('png', [1, 2, 3], 20, 20),
    });
    const { summary } = await importImageFolder(dir, { imageSize: 8, limitInputPixels: 100_000 });
    expect(summary.counts).toEqual([1, 1]);
    expect(summary.skipped).toEqual([{ path: 'a/big.png', reason: 'too-large', detail: expect.stringMatching(/pixel limit/) }]);
  });

  it('reports hidden files, root-level files, broken links and symlink loops, and does not hang', async () => {
    await writeTree(dir, {
      'a/x.png': await solidImage('png', [9, 9, 9]),
      'b/y.png': await solidImage('png', [9, 9, 9]),
      'b/.DS_Store': 'x',
      'readme.txt': 'hello',
    });
    await fs.symlink(dir, path.join(dir, 'a', 'up'));
    await fs.symlink('self', path.join(dir, 'b', 'self'));
    await fs.symlink('/nonexistent/target', path.join(dir, 'b', 'gone.png'));
    const { summary } = await importImageFolder(dir, { imageSize: 8 });
    expect(summary.counts).toEqual([1, 1]);
    expect(Object.fromEntries(summary.skipped.map((s) => [s.path, s.reason]))).toEqual({
      'readme.txt': 'outside-class-folder',
      'a/up': 'symlink-loop',
      'b/.DS_Store': 'hidden',
      'b/gone.png': 'broken-link',
      'b/self': 'symlink-loop',
    });
  });

  it('tells a file that cannot be read, or is gone, from one that is not an image', async () => {
    await writeTree(dir, { 'a/x.png': 'text' });
    expect(await decodeImage(path.join(dir, 'a', 'x.png'), { imageSize: 8 })).toMatchObject({ ok: false, reason: 'not-an-image' });
    expect(await decodeImage(path.join(dir, 'a', 'gone.png'), { imageSize: 8 })).toMatchObject({ ok: false, reason: 'missing', detail: expect.stringMatching(/gone/) });
    expect(await decodeImage(path.join(dir, 'a'), { imageSize: 8 })).toMatchObject({ ok: false, reason: 'unreadable', detail: expect.stringMatching(/EISDIR/) });
  });

  (process.getuid?.() === 0 ? it.skip : it)('reports an unreadable sub-folder', async () => {
    await writeTree(dir, { 'a/x.png': await solidImage('png', [9, 9, 9]), 'b/y.png': await solidImage('png', [9, 9, 9]), 'b/locked/z.png': 'x' });
    await fs.chmod(path.join(dir, 'b', 'locked'), 0);
    try {
      const { summary } = await importImageFolder(dir, { imageSize: 8 });
      expect(summary.skipped).toEqual([expect.objectContaining({ path: 'b/locked', reason: 'unreadable' })]);
    } finally {
      await fs.chmod(path.join(dir, 'b', 'locked'), 0o755);
    }
  });

  it('fails with EMPTY_CLASS when a class folder has no usable image, naming the reasons', async () => {
    await writeTree(dir, { 'a/x.png': await solidImage('png', [9, 9, 9]), 'b/bad.jpg': 'garbage' });
    await expect(importImageFolder(dir, { imageSize: 8 })).rejects.toMatchObject({ code: 'EMPTY_CLASS', message: expect.stringMatching(/"b".*bad\.jpg: not-an-image/) });
  });

  it('refuses class folders without files from the scan alone, before decoding anything, naming each', async () => {
    await writeTree(dir, { 'a/x.png': await solidImage('png', [9, 9, 9]), 'b/bad.jpg': 'garbage', c: null, d: null });
    const scan = await scanImageFolder(dir);
    expect(() => checkImageFolderLayout(dir, scan)).toThrow(/class folders "c", "d" hold no files; add images or remove the folder/);
    const progress: number[] = [];
    await expect(importImageFolder(dir, { imageSize: 8, onProgress: (p) => progress.push(p.done) })).rejects.toMatchObject({ code: 'EMPTY_CLASS' });
    expect(progress).toEqual([]);
  });

  it('stops a scan once its signal is aborted', async () => {
    await writeTree(dir, { 'a/x.png': await solidImage('png', [9, 9, 9]), 'b/y.png': await solidImage('png', [1, 2, 3]) });
    const controller = new AbortController();
    controller.abort();
    await expect(scanImageFolder(dir, undefined, { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('fails with a typed error on a missing path, a file, or fewer than 2 classes', async () => {
    await writeTree(dir, { 'only/x.png': await solidImage('png', [9, 9, 9]) });
    const err = await importImageFolder(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.code).toBe('TOO_FEW_CLASSES');
    await expect(importImageFolder(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(importImageFolder(path.join(dir, 'only', 'x.png'))).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
    await expect(importImageFolder(dir, { imageSize: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('labels a separate test folder with the training classes and rejects unknown classes', async () => {
    await writeTree(dir, {
      'train/a/x.png': await solidImage('png', [1, 1, 1]),
      'train/b/x.png': await solidImage('png', [1, 1, 1]),
      'train/c/x.png': await solidImage('png', [1, 1, 1]),
      'test/c/y.png': await solidImage('png', [1, 1, 1]),
      'test/a/y.png': await solidImage('png', [1, 1, 1]),
      'other/z/y.png': await solidImage('png', [1, 1, 1]),
    });
    const train = await importImageFolder(path.join(dir, 'train'), { imageSize: 4 });
    const test = await importImageFolder(path.join(dir, 'test'), { imageSize: 4, classNames: train.dataset.classNames });
    expect(test.dataset.classNames).toEqual(['a', 'b', 'c']);
    expect(Array.from(test.dataset.labels)).toEqual([0, 2]);
    expect(test.summary.counts).toEqual([1, 0, 1]);
    await expect(importImageFolder(path.join(dir, 'other'), { imageSize: 4, classNames: ['a', 'b'] })).rejects.toMatchObject({ code: 'UNKNOWN_CLASS' });
  });

  it('stops with ABORTED when its signal is aborted', async () => {
    await writeFixtureImageFolder(dir);
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(importImageFolder(dir, { imageSize: 8, signal: ctrl.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
