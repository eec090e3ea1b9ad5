import { once } from 'node:events';
import { createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import * as path from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { classCounts, imageAt } from './dataset';
import { encodeIdx, parseIdx, readIdxFile } from './idx';
import { idxToDataset, importIdx } from './idx-dataset';
import { balancedSubsetIndices, writeBalancedIdxSubset } from './idx-subset';
import { makeTempDir, removeDir, tinyIdx } from './testing';

describe('IDX', () => {
  it('parses a hand-written header and its bytes', () => {
    // magic 0x00000803 (ubyte, rank 3), dims 2x2x3, then 12 bytes.
    const bytes = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, ...Array.from({ length: 12 }, (_, i) => i)]);
    const arr = parseIdx(bytes);
    expect(arr.dims).toEqual([2, 2, 3]);
    expect(Array.from(arr.data)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(Array.from(encodeIdx(arr))).toEqual(Array.from(bytes));
    expect(parseIdx(gzipSync(bytes)).dims).toEqual([2, 2, 3]);
  });

  it('rejects bad magic, other element types and wrong sizes with BAD_IDX', () => {
    expect(() => parseIdx(Uint8Array.from([1, 2, 3, 4]))).toThrow(expect.objectContaining({ code: 'BAD_IDX' }));
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(/element type 0xd/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))).toThrow(/5 bytes, file has 2/);
    expect(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 0, 0]))).toThrow(/gzip/);
  });

  it('turns grey images into RGB at native size, and resizes on request', async () => {
    const { images, labels } = tinyIdx(6, 4, 3);
    const ds = await idxToDataset(parseIdx(images), parseIdx(labels), { classNames: ['x', 'y', 'z'] });
    expect([ds.count, ds.height, ds.width]).toEqual([6, 4, 4]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(ds.ids).toEqual(['idx:0', 'idx:1', 'idx:2', 'idx:3', 'idx:4', 'idx:5']);
    const img = imageAt(ds, 1);
    // Row 1, pixel 5: (1 * 10 + 5) % 256 = 15, replicated.
    expect(Array.from(img.subarray(15, 18))).toEqual([15, 15, 15]);

    const big = await idxToDataset(parseIdx(images), parseIdx(labels), { imageSize: 8 });
    expect([big.height, big.width, big.pixels.length]).toEqual([8, 8, 6 * 8 * 8 * 3]);
    expect(big.classNames).toEqual(['0', '1', '2']);
    for (let p = 0; p < 64; p++) expect(big.pixels[3 * p]).toBe(big.pixels[3 * p + 2]);
  });

  it('rejects mismatched images and labels', async () => {
    const a = tinyIdx(6, 4, 3);
    const b = tinyIdx(5, 4, 3);
    await expect(idxToDataset(parseIdx(a.images), parseIdx(b.labels))).rejects.toMatchObject({ code: 'BAD_IDX' });
    await expect(idxToDataset(parseIdx(a.images), parseIdx(a.labels), { classNames: ['only'] })).rejects.toMatchObject({ code: 'BAD_IDX' });
  });

  it('draws a seeded class-balanced subset', async () => {
    const labels = Uint8Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : i < 95 ? 1 : 2));
    const rows = balancedSubsetIndices(labels, 10, 7);
    expect(classCounts({ labels: Int32Array.from(rows, (r) => labels[r]), classNames: ['a', 'b', 'c'] })).toEqual([10, 10, 5]);
    expect(Array.from(rows)).toEqual([...rows].sort((a, b) => a - b));
    expect(balancedSubsetIndices(labels, 10, 7)).toEqual(rows);
    expect(balancedSubsetIndices(labels, 10, 8)).not.toEqual(rows);

    const { images, labels: lab } = tinyIdx(30, 2, 3);
    const ds = await idxToDataset(parseIdx(images), parseIdx(lab), { maxPerClass: 4, seed: 3 });
    expect(classCounts(ds)).toEqual([4, 4, 4]);
  });

  it('reads and writes .gz and raw files', async () => {
    const dir = await makeTempDir();
    try {
      const { images, labels } = tinyIdx(20, 3, 2);
      await fs.writeFile(path.join(dir, 'img.idx'), images);
      await fs.writeFile(path.join(dir, 'lab.idx.gz'), gzipSync(labels));
      const ds = await importIdx(path.join(dir, 'img.idx'), path.join(dir, 'lab.idx.gz'));
      expect(ds.count).toBe(20);
      const n = await writeBalancedIdxSubset(
        { images: path.join(dir, 'img.idx'), labels: path.join(dir, 'lab.idx.gz') },
        { images: path.join(dir, 'sub-img.gz'), labels: path.join(dir, 'sub-lab.gz') },
        3,
        1,
      );
      expect(n).toBe(6);
      const sub = await importIdx(path.join(dir, 'sub-img.gz'), path.join(dir, 'sub-lab.gz'));
      expect(classCounts(sub)).toEqual([3, 3]);
      await expect(importIdx(path.join(dir, 'missing'), path.join(dir, 'lab.idx.gz'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await removeDir(dir);
    }
  });

  describe('reading only what the header announces', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await makeTempDir();
    });
    afterEach(async () => {
      await removeDir(dir);
    });

    it('refuses a device such as /dev/zero before opening it', async () => {
      await expect(readIdxFile('/dev/zero')).rejects.toMatchObject({ code: 'NOT_A_FILE' });
    });

    it('stops a gzip bomb where its header says the data ends, with memory flat', async () => {
      // A valid header for 10 images of 28x28, then 256 MiB of zeros: about 250 KiB compressed.
      const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28]);
      const file = path.join(dir, 'bomb.gz');
      const gzip = createGzip({ level: 1 });
      const written = pipeline(gzip, createWriteStream(file));
      gzip.write(header);
      const zeros = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < 256; i++) if (!gzip.write(zeros)) await once(gzip, 'drain');
      gzip.end();
      await written;
      expect((await fs.stat(file)).size).toBeLessThan(2 * 1024 * 1024);
      const rss = process.memoryUsage().rss;
      await expect(readIdxFile(file)).rejects.toMatchObject({ code: 'BAD_IDX', message: expect.stringMatching(/more data than its header announces \(7856 bytes\)/) });
      expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
    });

    it('refuses a header that announces more than the limit, before reading the data', async () => {
      const file = path.join(dir, 'huge.gz');
      await fs.writeFile(file, gzipSync(Buffer.from([0, 0, 8, 3, 0, 0x0f, 0x42, 0x40, 0, 0, 4, 0, 0, 0, 4, 0])));
      await expect(readIdxFile(file)).rejects.toMatchObject({ code: 'TOO_MUCH_DATA', message: expect.stringMatching(/1000000x1024x1024/) });
      await expect(readIdxFile(file, { maxBytes: 2 ** 50 })).rejects.toMatchObject({ code: 'BAD_IDX' });
    });

    it('still reads a well-formed file, raw and compressed, whole', async () => {
      const { images } = tinyIdx(7, 4, 2);
      await fs.writeFile(path.join(dir, 'a.idx'), images);
      await fs.writeFile(path.join(dir, 'a.idx.gz'), gzipSync(images));
      for (const name of ['a.idx', 'a.idx.gz']) expect((await readIdxFile(path.join(dir, name))).dims).toEqual([7, 4, 4]);
    });
  });
});
