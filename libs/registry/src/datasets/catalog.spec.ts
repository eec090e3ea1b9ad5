import { ImportDatasetRequest } from '@advlab/contract';
import { corruptPng, makeTempDir, removeDir, solidImage, writeTree } from '@advlab/data/testing';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { openRegistry, type Registry } from '../registry';

/** Folders a data directory's `datasets/` holds. */
async function datasetFolders(dataDir: string): Promise<string[]> {
  return (await fs.readdir(path.join(dataDir, 'datasets')).catch(() => [] as string[])).sort();
}

const folderRequest = (name: string, folder: string) => ImportDatasetRequest.fromPartial({ name, source: { $case: 'imageFolder', value: folder }, imageSize: 8 });

describe('DatasetCatalog imports', () => {
  let dir: string;
  let registry: Registry;
  const never = new AbortController().signal;

  beforeEach(async () => {
    dir = await makeTempDir('advlab-catalog-');
    registry = await openRegistry(path.join(dir, 'data'), { importRoots: [dir] });
  });
  afterEach(async () => {
    await registry.close();
    await removeDir(dir);
  });

  const goodFolder = async (root: string, perClass = 3) => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < perClass; i++) {
      files[`red/${i}.png`] = await solidImage('png', [200 + i, 0, 0], 8, 8);
      files[`blue/${i}.png`] = await solidImage('png', [0, 0, 200 + i], 8, 8);
    }
    await writeTree(root, files);
  };

  it('refuses an empty class folder before anything is decoded or written, as invalid, naming it', async () => {
    const root = path.join(dir, 'with-empty');
    await goodFolder(root);
    await fs.mkdir(path.join(root, 'green'));
    await expect(registry.datasets.prepareImport(folderRequest('pets', root), never)).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/class folder "green" holds no files/),
    });
    expect(await datasetFolders(registry.dataDir)).toEqual([]);
  });

  it('a class whose files are all corrupt fails after decoding, registers nothing and leaves no files', async () => {
    const root = path.join(dir, 'all-corrupt');
    await goodFolder(root);
    await writeTree(root, { 'green/a.png': await corruptPng(), 'green/b.png': 'not an image' });
    const progress: number[] = [];
    await expect(registry.datasets.import(folderRequest('pets', root), (p) => progress.push(p.done), never)).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/class "green" has no usable image/),
    });
    expect(progress.length).toBeGreaterThan(0);
    expect((await registry.datasets.list()).map((d) => d.name)).toEqual(['fashion-mnist-mini']);
    expect(await datasetFolders(registry.dataDir)).toEqual([]);
  });

  it('a cancelled import leaves nothing behind; importing the folder again then works', async () => {
    const root = path.join(dir, 'many');
    await goodFolder(root, 40);
    const controller = new AbortController();
    const pending = await registry.datasets.prepareImport(folderRequest('pets', root), controller.signal);
    await expect(
      pending.run((p) => {
        if (p.done >= 5) controller.abort();
      }, controller.signal),
    ).rejects.toMatchObject({ kind: 'cancelled' });
    expect((await registry.datasets.list()).map((d) => d.name)).toEqual(['fashion-mnist-mini']);
    expect(await datasetFolders(registry.dataDir)).toEqual([]);

    const dataset = await registry.datasets.import(folderRequest('pets', root), () => undefined, never);
    expect(dataset.trainCounts).toEqual([40, 40]);
    expect(await datasetFolders(registry.dataDir)).toHaveLength(1);
  });

  it('a failed re-import keeps the previous version whole; a good one replaces it and removes the old folder', async () => {
    const root = path.join(dir, 'pets');
    await goodFolder(root);
    const first = await registry.datasets.import(folderRequest('pets', root), () => undefined, never);
    const [firstFolder] = await datasetFolders(registry.dataDir);

    // The folder breaks: a class loses its only readable images.
    for (const f of await fs.readdir(path.join(root, 'blue'))) await fs.writeFile(path.join(root, 'blue', f), 'garbage');
    await expect(registry.datasets.import(folderRequest('pets', root), () => undefined, never)).rejects.toMatchObject({ kind: 'invalid-argument' });
    expect(await datasetFolders(registry.dataDir)).toEqual([firstFolder]);
    expect((await registry.datasets.load(first.id)).train.count).toBe(6);

    // Fixed and grown: the same id, new counts, one folder.
    await goodFolder(root, 4);
    const second = await registry.datasets.import(folderRequest('pets', root), () => undefined, never);
    expect(second.id).toBe(first.id);
    expect(second.trainCounts).toEqual([4, 4]);
    const folders = await datasetFolders(registry.dataDir);
    expect(folders).toHaveLength(1);
    expect(folders[0]).not.toBe(firstFolder);
    expect((await registry.datasets.load(first.id)).train.count).toBe(8);
  });

  it('a second process sees a re-import: its in-memory copy follows the registered cache folder', async () => {
    const root = path.join(dir, 'pets');
    await goodFolder(root);
    const first = await registry.datasets.import(folderRequest('pets', root), () => undefined, never);
    const other = await openRegistry(registry.dataDir, { importRoots: [dir] });
    try {
      expect((await other.datasets.load(first.id)).train.count).toBe(6);
      await goodFolder(root, 5);
      await registry.datasets.import(folderRequest('pets', root), () => undefined, never);
      expect((await other.datasets.load(first.id)).train.count).toBe(10);
    } finally {
      await other.close();
    }
  });

  it('refuses a second import of the same name while one runs', async () => {
    const root = path.join(dir, 'pets');
    await goodFolder(root, 20);
    const running = registry.datasets.import(folderRequest('pets', root), () => undefined, never);
    await expect(registry.datasets.import(folderRequest('pets', root), () => undefined, never)).rejects.toMatchObject({ kind: 'failed-precondition' });
    await running;
  });

  it('removes folders no dataset uses (what a killed import or a replaced version left)', async () => {
    const root = path.join(dir, 'pets');
    await goodFolder(root);
    await registry.datasets.import(folderRequest('pets', root), () => undefined, never);
    const [kept] = await datasetFolders(registry.dataDir);
    await fs.mkdir(path.join(registry.dataDir, 'datasets', 'ds-killed.0badc0de'));
    await fs.writeFile(path.join(registry.dataDir, 'datasets', 'ds-killed.0badc0de', 'train.bin.123.tmp'), 'partial');
    expect(await registry.datasets.removeLeftovers()).toEqual(['ds-killed.0badc0de']);
    expect(await datasetFolders(registry.dataDir)).toEqual([kept]);
  });

  it('refuses missing IDX files up front with NOT_FOUND', async () => {
    const request = ImportDatasetRequest.fromPartial({
      name: 'digits',
      source: { $case: 'idx', value: { trainImages: path.join(dir, 'nope-images'), trainLabels: path.join(dir, 'nope-labels'), testImages: '', testLabels: '', classNames: [], maxPerClass: 0 } },
    });
    await expect(registry.datasets.prepareImport(request, never)).rejects.toMatchObject({ kind: 'not-found' });
  });
});
