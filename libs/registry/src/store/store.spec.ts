import { Dataset, Model, Run, RunKind, RunStatus } from '@advlab/contract';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelStore } from '../models/model-store';
import { DatasetRepository, FileBlobStore, ModelRepository, openDatabase, RunRepository, SCHEMA_VERSION, type Db } from './index';

describe('registry store', () => {
  let dir: string;
  let file: string;
  let db: Db;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-store-'));
    file = path.join(dir, 'nested', 'advlab.db');
    db = openDatabase(file);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database in WAL mode at the current schema version', () => {
    expect(fs.existsSync(file)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  });

  it('refuses a database from a newer advlab', () => {
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(/newer than this advlab/);
    db = openDatabase(path.join(dir, 'other.db'));
  });

  it('pages runs newest first with filters and stable tokens', async () => {
    const runs = new RunRepository(db);
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 7; i++) {
      await runs.insert(
        Run.fromPartial({
          id: `run-${i}`,
          kind: i % 2 ? RunKind.RUN_KIND_ADVERSARIAL_TRAIN : RunKind.RUN_KIND_TRAIN,
          status: i < 3 ? RunStatus.RUN_STATUS_SUCCEEDED : RunStatus.RUN_STATUS_FAILED,
          datasetId: 'ds',
          parentRunId: i === 6 ? 'run-5' : '',
          createdAt: new Date(base + i * 1000),
        }),
      );
    }
    const q = { pageSize: 2, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: false };
    const seen: string[] = [];
    let token = '';
    do {
      const page = await runs.list({ ...q, pageToken: token });
      seen.push(...page.runs.map((r) => r.id));
      token = page.nextPageToken;
    } while (token);
    expect(seen).toEqual(['run-5', 'run-4', 'run-3', 'run-2', 'run-1', 'run-0']);
    expect((await runs.list({ ...q, pageSize: 50, includeTrials: true })).runs).toHaveLength(7);
    expect((await runs.list({ ...q, pageSize: 50, status: RunStatus.RUN_STATUS_SUCCEEDED })).runs.map((r) => r.id)).toEqual(['run-2', 'run-1', 'run-0']);
    expect((await runs.list({ ...q, pageSize: 50, kind: RunKind.RUN_KIND_ADVERSARIAL_TRAIN })).runs.map((r) => r.id)).toEqual(['run-5', 'run-3', 'run-1']);
    await expect(runs.list({ ...q, pageToken: 'garbage' })).rejects.toThrow(/page_token/);
    await expect(runs.list({ ...q, pageSize: 501 })).rejects.toThrow(/page_size must be in \[1, 500\]/);
  });

  it('stores, updates, lists and deletes models', async () => {
    const models = new ModelRepository(db);
    const m = Model.fromPartial({ id: 'mdl-1', runId: 'run-1', datasetId: 'ds', name: 'first', valAccuracy: 0.5, numParameters: 60052 });
    await models.insert(m, 'mdl-1.ckpt');
    await models.update({ ...m, robustAccuracy: 0.25 });
    expect(await models.get('mdl-1')).toEqual({ model: expect.objectContaining({ name: 'first', robustAccuracy: 0.25, numParameters: 60052 }), checkpoint: 'mdl-1.ckpt' });
    expect((await models.list({ pageSize: 0, pageToken: '', datasetId: 'ds' })).models).toHaveLength(1);
    expect((await models.list({ pageSize: 0, pageToken: '', datasetId: 'other' })).models).toHaveLength(0);
    expect(await models.delete('mdl-1')).toBe('mdl-1.ckpt');
    expect(await models.get('mdl-1')).toBeUndefined();
    expect(await models.delete('mdl-1')).toBeUndefined();
  });

  it('keeps datasets unique by name and lists bundled ones first', async () => {
    const datasets = new DatasetRepository(db);
    await datasets.upsert(Dataset.fromPartial({ id: 'ds-a', name: 'animals', classNames: ['cat', 'dog'], createdAt: new Date(2) }), '/c/a');
    await datasets.upsert(Dataset.fromPartial({ id: 'ds-b', name: 'fmnist', builtin: true, createdAt: new Date(1) }), '/c/b');
    expect((await datasets.list()).map((d) => d.id)).toEqual(['ds-b', 'ds-a']);
    expect((await datasets.findByName('animals'))?.cacheDir).toBe('/c/a');
    await expect(datasets.upsert(Dataset.fromPartial({ id: 'ds-c', name: 'animals' }), '/c/c')).rejects.toMatchObject({ message: expect.stringMatching(/UNIQUE/) });
  });
});

describe('ModelStore.removeLeftovers', () => {
  it('removes temporary and unregistered checkpoint files, keeping registered ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-leftovers-'));
    const db = openDatabase(path.join(dir, 'advlab.db'));
    const repo = new ModelRepository(db);
    const store = new ModelStore(repo, new FileBlobStore(path.join(dir, 'checkpoints')), path.join(dir, 'checkpoints'));
    expect(await store.removeLeftovers()).toEqual([]); // no folder yet
    fs.mkdirSync(path.join(dir, 'checkpoints'));
    await repo.insert(Model.fromPartial({ id: 'mdl-kept', runId: 'r', datasetId: 'd' }), 'mdl-kept.ckpt');
    for (const f of ['mdl-kept.ckpt', 'mdl-kept.ckpt.12.ab.tmp', 'mdl-orphan.ckpt']) fs.writeFileSync(path.join(dir, 'checkpoints', f), 'x');
    expect((await store.removeLeftovers()).sort()).toEqual(['mdl-kept.ckpt.12.ab.tmp', 'mdl-orphan.ckpt']);
    expect(fs.readdirSync(path.join(dir, 'checkpoints'))).toEqual(['mdl-kept.ckpt']);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
