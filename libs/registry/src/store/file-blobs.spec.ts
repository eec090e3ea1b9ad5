import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeBlobStore } from './conformance';
import { FileBlobStore } from './file-blobs';

describeBlobStore('files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-blobs-'));
  return {
    blobs: new FileBlobStore(path.join(dir, 'checkpoints')),
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe('FileBlobStore', () => {
  let dir: string;
  let blobs: FileBlobStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-blobs-'));
    blobs = new FileBlobStore(path.join(dir, 'root'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps a key as the file of the same relative path, folders included', async () => {
    await blobs.put('ds-1/cache/train.bin', Buffer.from('pixels'));
    expect(blobs.file('ds-1/cache/train.bin')).toBe(path.join(dir, 'root', 'ds-1', 'cache', 'train.bin'));
    expect(fs.readFileSync(path.join(dir, 'root', 'ds-1', 'cache', 'train.bin'), 'utf8')).toBe('pixels');
    // Files written by other means (e.g. checkpoints saved before) are blobs too.
    fs.writeFileSync(path.join(dir, 'root', 'mdl-old.ckpt'), 'old');
    expect(await blobs.list('')).toEqual(['ds-1/cache/train.bin', 'mdl-old.ckpt']);
    expect((await blobs.get('mdl-old.ckpt'))?.toString()).toBe('old');
  });

  it('refuses keys that leave the folder or are not plain relative paths', async () => {
    for (const key of ['', '../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a/', 'a\\b', 'a/./b', '..']) {
      await expect(blobs.put(key, Buffer.from('x'))).rejects.toThrow(/blob key/);
      await expect(blobs.get(key)).rejects.toThrow(/blob key/);
      await expect(blobs.delete(key)).rejects.toThrow(/blob key/);
    }
    await expect(blobs.list('../')).rejects.toThrow(/blob key/);
    await expect(blobs.list('/etc/')).rejects.toThrow(/blob key/);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('leaves no temporary file behind and lists none that a crashed put left', async () => {
    await blobs.put('mdl-a.ckpt', Buffer.alloc(1000, 1));
    expect(fs.readdirSync(path.join(dir, 'root'))).toEqual(['mdl-a.ckpt']);
    fs.writeFileSync(path.join(dir, 'root', 'mdl-b.ckpt.123.0a1b2c3d.tmp'), 'half');
    expect(await blobs.list('mdl-')).toEqual(['mdl-a.ckpt']);
    await expect(blobs.put('mdl-c.ckpt.1.0a1b2c3d.tmp', Buffer.from('x'))).rejects.toThrow(/temporary/);
  });

  it('treats a folder, or a path through a file, as an absent key', async () => {
    await blobs.put('a/b', Buffer.from('x'));
    expect(await blobs.get('a')).toBeUndefined();
    expect(await blobs.get('a/b/c')).toBeUndefined();
    await blobs.delete('a');
    await blobs.delete('a/b/c');
    expect(await blobs.list('')).toEqual(['a/b']);
  });

  it('lists nothing before the folder exists', async () => {
    expect(await blobs.list('')).toEqual([]);
    expect(await blobs.list('ds-1/')).toEqual([]);
    expect(await blobs.get('x')).toBeUndefined();
    await blobs.delete('x');
  });
});
