import { ImportDatasetRequest, Model as ModelRecord } from '@advlab/contract';
import { makeTempDir, removeDir, solidImage, writeTree } from '@advlab/data/testing';
import { createModel } from '@advlab/model';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { postgresAvailable, startPostgres, type TestPostgres } from './testing/postgres';
import { openRegistry, redactDatabaseUrl, type Registry } from './registry';

const describePg = postgresAvailable() ? describe : describe.skip;

// Two processes on two machines share nothing but the database: each has its own data directory.
describePg('a registry on PostgreSQL, shared by processes with separate data directories', () => {
  let pg: TestPostgres;
  let dir: string;
  let url: string;
  let a: Registry;
  let b: Registry;
  const never = new AbortController().signal;

  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });
  beforeEach(async () => {
    dir = await makeTempDir('advlab-registry-pg-');
    url = await pg.createDatabase();
    a = await openRegistry(path.join(dir, 'machine-a'), { databaseUrl: url, importRoots: [dir] });
    b = await openRegistry(path.join(dir, 'machine-b'), { databaseUrl: url, importRoots: [dir] });
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
    await removeDir(dir);
  });

  it('an import on one machine is read on the other from the database, its cache copied once', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 4; i++) {
      files[`red/${i}.png`] = await solidImage('png', [200 + i, 0, 0], 8, 8);
      files[`blue/${i}.png`] = await solidImage('png', [0, 0, 200 + i], 8, 8);
    }
    await writeTree(path.join(dir, 'pets'), files);
    const request = ImportDatasetRequest.fromPartial({ name: 'pets', source: { $case: 'imageFolder', value: path.join(dir, 'pets') }, imageSize: 8 });
    const dataset = await a.datasets.import(request, () => undefined, never);

    expect((await b.datasets.list()).map((d) => d.name)).toEqual(['fashion-mnist-mini', 'pets']);
    const onA = await a.datasets.load(dataset.id);
    const onB = await b.datasets.load(dataset.id);
    expect(onB.train.count).toBe(8);
    expect(Buffer.from(onB.train.pixels)).toEqual(Buffer.from(onA.train.pixels));
    expect(Array.from(onB.train.labels)).toEqual(Array.from(onA.train.labels));
    // B now holds a local copy under its own data directory.
    expect(await fs.readdir(path.join(dir, 'machine-b', 'datasets'))).toHaveLength(1);

    // A re-import replaces the shared cache: B follows it and A's old blobs are gone.
    await writeTree(path.join(dir, 'pets'), { 'green/0.png': await solidImage('png', [0, 200, 0], 8, 8) });
    await a.datasets.import(request, () => undefined, never);
    expect((await b.datasets.load(dataset.id)).train.count).toBe(9);
  });

  it('a checkpoint written on one machine loads on the other; deleting the model removes it for both', async () => {
    const model = createModel({ featureMaps: [4], imageSize: 8 }, 2, 7);
    try {
      const record = ModelRecord.fromPartial({ id: 'mdl-shared', runId: 'run-x', datasetId: 'ds', config: { featureMaps: [4], imageSize: 8, classNames: ['a', 'b'] } });
      const bytes = await a.models.writeCheckpoint(record.id, model, { classNames: ['a', 'b'] });
      await a.models.register({ ...record, sizeBytes: bytes });
      const weights = await b.models.use(record.id, ({ model: loaded }) => loaded.getWeights());
      expect(weights).toEqual(model.getWeights());
      await b.models.delete(record.id);
      await expect(a.models.get(record.id)).rejects.toMatchObject({ kind: 'not-found' });
      expect(await a.models.readCheckpoint(record.id)).toBeUndefined();
    } finally {
      model.dispose();
    }
  });

  it('hides the password of a database URL in what it prints', () => {
    expect(redactDatabaseUrl('postgres://advlab:s3cret@db:5432/advlab')).toBe('postgres://advlab:***@db:5432/advlab');
  });
});
