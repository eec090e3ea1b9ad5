import { imageBytes } from './dataset';
import { readUnlabeledFolder } from './unlabeled-folder';
import { makeTempDir, noiseImage, removeDir, solidImage, truncatedJpeg, writeTree } from './testing';

describe('readUnlabeledFolder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('gives sorted file names as ids and lists unreadable files instead of failing', async () => {
    await writeTree(dir, {
      'img_10.jpg': await solidImage('jpeg', [255, 255, 255]),
      'img_02.png': await noiseImage('png', 1),
      'img_01.webp': await solidImage('webp', [0, 0, 0]),
      'broken.jpg': await truncatedJpeg(),
      'zero.png': Buffer.alloc(0),
      'sub/inner.png': await solidImage('png', [1, 1, 1]),
    });
    const result = await readUnlabeledFolder(dir, { imageSize: 12 });
    expect(result.ids).toEqual(['img_01.webp', 'img_02.png', 'img_10.jpg']);
    expect(result.pixels.length).toBe(3 * imageBytes({ height: 12, width: 12 }));
    expect(result.pixels.subarray(0, 12 * 12 * 3).every((v) => v === 0)).toBe(true);
    expect(result.skipped.map((s) => [s.path, s.reason])).toEqual([
      ['broken.jpg', 'corrupt'],
      ['sub', 'nested-folder'],
      ['zero.png', 'empty'],
    ]);
  });

  it('fails with NO_IMAGES when nothing in the folder is an image', async () => {
    await writeTree(dir, { 'a.txt': 'hello' });
    await expect(readUnlabeledFolder(dir)).rejects.toMatchObject({ code: 'NO_IMAGES' });
  });
});
