import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cachePaths, loadCachedDataset } from './cache';
import { importImageFolder } from './image-folder';
import { makeTempDir, removeDir, solidImage, writeFixtureImageFolder } from './testing';

describe('image-folder cache', () => {
  let dir: string;
  let root: string;
  let cache: { dir: string; name: string };
  beforeEach(async () => {
    dir = await makeTempDir();
    root = path.join(dir, 'images');
    cache = { dir: path.join(dir, 'cache'), name: 'fixture' };
    await writeFixtureImageFolder(root);
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  const mtimes = async (): Promise<number[]> => {
    const p = cachePaths(cache);
    return Promise.all([p.bin, p.manifest].map(async (f) => (await fs.stat(f)).mtimeMs));
  };

  it('reuses an unchanged folder without decoding and without rewriting the cache', async () => {
    const first = await importImageFolder(root, { imageSize: 8, cache });
    expect(first.summary.decoded).toBe(18);
    const before = await mtimes();

    const second = await importImageFolder(root, { imageSize: 8, cache });
    expect(second.summary).toMatchObject({ fromCache: true, decoded: 0, counts: first.summary.counts });
    expect(second.summary.skipped).toEqual(first.summary.skipped);
    expect(second.dataset.pixels).toEqual(first.dataset.pixels);
    expect(second.dataset.labels).toEqual(first.dataset.labels);
    expect(second.dataset.ids).toEqual(first.dataset.ids);
    expect(await mtimes()).toEqual(before);

    const loaded = await loadCachedDataset(cache.dir, cache.name);
    expect(loaded.classNames).toEqual(['blue', 'green', 'red']);
    expect(loaded.pixels).toEqual(first.dataset.pixels);
  });

  it('rebuilds when a file is added, removed or modified, or the settings change', async () => {
    await importImageFolder(root, { imageSize: 8, cache });

    await fs.writeFile(path.join(root, 'red', 'added.png'), await solidImage('png', [200, 0, 0]));
    const added = await importImageFolder(root, { imageSize: 8, cache });
    expect(added.summary).toMatchObject({ fromCache: false, decoded: 1, counts: [4, 5, 6] });

    await fs.rm(path.join(root, 'blue', 'b1.webp'));
    const removed = await importImageFolder(root, { imageSize: 8, cache });
    expect(removed.summary).toMatchObject({ fromCache: false, decoded: 0, counts: [3, 5, 6] });

    // Same size, new content and mtime: a previously corrupt file now decodes.
    const fixed = path.join(root, 'green', 'empty.jpg');
    await fs.writeFile(fixed, await solidImage('jpeg', [0, 250, 0]));
    await fs.utimes(fixed, new Date(), new Date(Date.now() + 5000));
    const modified = await importImageFolder(root, { imageSize: 8, cache });
    expect(modified.summary).toMatchObject({ fromCache: false, decoded: 1, counts: [3, 6, 6] });
    expect(modified.summary.skipped.map((s) => s.path)).not.toContain('green/empty.jpg');

    expect((await importImageFolder(root, { imageSize: 8, cache })).summary.fromCache).toBe(true);
    const resized = await importImageFolder(root, { imageSize: 6, cache });
    expect(resized.summary).toMatchObject({ fromCache: false, decoded: 18 });
    expect(resized.dataset.height).toBe(6);
  });

  it('gives the same data set after an incremental rebuild as a fresh import', async () => {
    await importImageFolder(root, { imageSize: 8, cache });
    await fs.writeFile(path.join(root, 'blue', 'new.png'), await solidImage('png', [0, 0, 200]));
    const incremental = await importImageFolder(root, { imageSize: 8, cache });
    const fresh = await importImageFolder(root, { imageSize: 8 });
    expect(incremental.summary.decoded).toBe(1);
    expect(incremental.dataset.pixels).toEqual(fresh.dataset.pixels);
    expect(incremental.dataset.labels).toEqual(fresh.dataset.labels);
    expect(incremental.dataset.ids).toEqual(fresh.dataset.ids);
    const reasons = (r: typeof fresh): string[][] => r.summary.skipped.map((k) => [k.path, k.reason]);
    expect(reasons(incremental)).toEqual(reasons(fresh));
  });

  it('builds a new cache elsewhere from an earlier one (reuseCache), leaving the earlier one untouched', async () => {
    await importImageFolder(root, { imageSize: 8, cache });
    const before = await mtimes();
    const next = { dir: path.join(dir, 'next'), name: 'fixture' };
    const unchanged = await importImageFolder(root, { imageSize: 8, cache: next, reuseCache: cache });
    expect(unchanged.summary).toMatchObject({ fromCache: true, decoded: 0 });
    expect((await loadCachedDataset(next.dir, next.name)).pixels).toEqual(unchanged.dataset.pixels);

    await fs.writeFile(path.join(root, 'red', 'added.png'), await solidImage('png', [200, 0, 0]));
    const third = { dir: path.join(dir, 'third'), name: 'fixture' };
    const added = await importImageFolder(root, { imageSize: 8, cache: third, reuseCache: cache });
    expect(added.summary).toMatchObject({ fromCache: false, decoded: 1 });
    expect((await loadCachedDataset(third.dir, third.name)).count).toBe(added.dataset.count);
    expect(await mtimes()).toEqual(before);
    expect((await loadCachedDataset(cache.dir, cache.name)).count).toBe(added.dataset.count - 1);
  });

  it('rebuilds a damaged cache instead of trusting it', async () => {
    await importImageFolder(root, { imageSize: 8, cache });
    await fs.truncate(cachePaths(cache).bin, 100);
    const again = await importImageFolder(root, { imageSize: 8, cache });
    expect(again.summary.fromCache).toBe(false);
    expect(again.dataset.count).toBe(14);
  });

  it('says what to do when no cache exists', async () => {
    await expect(loadCachedDataset(cache.dir, 'nothing')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/import/) });
  });
});
