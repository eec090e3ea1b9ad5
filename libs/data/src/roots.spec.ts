import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { decodeImage } from './decode';
import { importImageFolder } from './image-folder';
import { FileRoots } from './roots';
import { scanFlatFolder, scanImageFolder } from './scan';
import { makeTempDir, removeDir, solidImage, writeTree } from './testing';

describe('FileRoots: what a server reads for clients', () => {
  let dir: string;
  let root: string;
  let roots: FileRoots;
  beforeEach(async () => {
    dir = await makeTempDir('advlab-roots-');
    root = path.join(dir, 'imports');
    roots = await FileRoots.create([root]);
    await writeTree(root, { 'pets/cat/a.png': await solidImage('png', [1, 2, 3]), 'pets/dog/b.png': await solidImage('png', [3, 2, 1]) });
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('resolves paths relative to the first root, and absolute paths inside a root, to real paths', async () => {
    const real = await fs.realpath(root);
    expect(await roots.resolve('pets', 'folder')).toEqual({ path: path.join(real, 'pets'), root: real });
    expect(await roots.resolve(path.join(root, 'pets', 'cat', 'a.png'), 'file')).toEqual({ path: path.join(real, 'pets', 'cat', 'a.png'), root: real });
  });

  it.each([
    ['/etc', 'an absolute path elsewhere'],
    ['../..', 'a relative path climbing out'],
    ['pets/../../..', 'a path that climbs out through a real folder'],
    ['/proc/self', 'the process itself'],
    ['/nonexistent/elsewhere', 'a missing path elsewhere (not reported as missing)'],
  ])('refuses %s (%s) naming the roots to use, and says nothing of what is there', async (requested) => {
    const error = await roots.resolve(requested, 'folder').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OUTSIDE_ROOTS', message: expect.stringContaining('put it under') });
    expect((error as Error).message).toContain(await fs.realpath(root));
    expect((error as Error).message).not.toMatch(/ENOENT|EACCES|no such/);
  });

  it('follows symbolic links before checking: a link inside a root that leads out is refused', async () => {
    await fs.symlink('/etc', path.join(root, 'etc-link'));
    await fs.symlink('/dev/zero', path.join(root, 'zero'));
    await expect(roots.resolve('etc-link', 'folder')).rejects.toMatchObject({ code: 'OUTSIDE_ROOTS' });
    await expect(roots.resolve('zero', 'file')).rejects.toMatchObject({ code: 'OUTSIDE_ROOTS' });
  });

  it('says NOT_FOUND only inside a root, and checks the kind', async () => {
    await expect(roots.resolve('missing', 'folder')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(roots.resolve('pets', 'file')).rejects.toMatchObject({ code: 'NOT_A_FILE' });
    await expect(roots.resolve('pets/cat/a.png', 'folder')).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
  });

  it('scans skip links leading out of the root, and read files through their real paths', async () => {
    await fs.symlink('/etc/hostname', path.join(root, 'pets', 'cat', 'leak.png'));
    await fs.symlink(path.join(root, 'pets', 'dog', 'b.png'), path.join(root, 'pets', 'cat', 'alias.png'));
    const { path: folder, root: within } = await roots.resolve('pets', 'folder');
    const scan = await scanImageFolder(folder, undefined, { within, limits: roots.limits });
    expect(scan.skipped).toEqual([{ path: 'cat/leak.png', reason: 'outside-root', detail: expect.any(String) }]);
    expect(scan.files.map((f) => [f.path, f.absPath])).toEqual([
      ['cat/a.png', path.join(folder, 'cat', 'a.png')],
      ['cat/alias.png', path.join(folder, 'dog', 'b.png')],
      ['dog/b.png', path.join(folder, 'dog', 'b.png')],
    ]);
  });

  it('caps the files, the bytes of one file and the depth of a scan', async () => {
    await writeTree(root, { 'flat/1.png': 'x', 'flat/2.png': 'xx', 'flat/3.png': 'xxx', 'deep/c/1/2/3/x.png': 'x', 'deep/d/y.png': 'y' });
    const folder = path.join(await fs.realpath(root), 'flat');
    await expect(scanFlatFolder(folder, { limits: { ...roots.limits, maxFiles: 2 } })).rejects.toMatchObject({ code: 'TOO_MUCH_DATA', message: expect.stringMatching(/more than 2 files/) });
    await expect(scanFlatFolder(folder, { limits: { ...roots.limits, maxTotalBytes: 5 } })).rejects.toMatchObject({ code: 'TOO_MUCH_DATA' });
    const small = await scanFlatFolder(folder, { limits: { ...roots.limits, maxFileBytes: 2 } });
    expect(small.files.map((f) => f.path)).toEqual(['1.png', '2.png']);
    expect(small.skipped).toEqual([{ path: '3.png', reason: 'too-large', detail: '3 bytes; one file may have at most 2' }]);
    const deep = await scanImageFolder(path.join(await fs.realpath(root), 'deep'), undefined, { limits: { ...roots.limits, maxDepth: 2 } });
    expect(deep.files.map((f) => f.path)).toEqual(['d/y.png']);
    expect(deep.skipped).toEqual([{ path: 'c/1/2', reason: 'too-deep', detail: expect.stringMatching(/more than 2 levels/) }]);
  });

  it('refuses a 12000x12000 PNG from its header, without decoding it', async () => {
    const big = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png({ compressionLevel: 9 }).toBuffer();
    await fs.writeFile(path.join(root, 'pets', 'cat', 'huge.png'), big);
    const rss = process.memoryUsage().rss;
    const { dataset, summary } = await importImageFolder(path.join(root, 'pets'), { imageSize: 8, limitInputPixels: 40e6 });
    expect(summary.skipped).toEqual([{ path: 'cat/huge.png', reason: 'too-large', detail: expect.stringMatching(/pixel limit/) }]);
    expect(dataset.count).toBe(2);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
    expect(await decodeImage(big, { imageSize: 8, limitInputPixels: 40e6 })).toMatchObject({ ok: false, reason: 'too-large' });
  }, 60_000);
});
