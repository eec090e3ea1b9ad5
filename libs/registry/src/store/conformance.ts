/**
 * The storage contract's behaviour as jest tests, run against each
 * implementation (SQLite, PostgreSQL): every store must pass all of them.
 * Call `describeRegistryStore` from a spec file. Never imported by production code.
 */
import {
  CheckpointReason,
  Dataset,
  EpochMetrics,
  Model,
  Run,
  RunEvent,
  RunKind,
  RobustResult,
  RunStatus,
  SweepTrial,
  TrainingConfig,
} from '@advlab/contract';
import { randomBytes } from 'node:crypto';
import type { BlobStore, ListRunsQuery, RegistryDatabase } from './types';

/** A store under test, opened by the spec's `open`. */
export interface StoreUnderTest {
  db: RegistryDatabase;
  /** An empty blob store (e.g. the checkpoints). */
  blobs: BlobStore;
  /**
   * Empties every table and blob. When given, the store is opened once for
   * the whole suite and reset before each test; otherwise it is opened and
   * closed around each test.
   */
  reset?(): Promise<void>;
  close(): Promise<void>;
}

const BASE = Date.UTC(2026, 0, 1);
const at = (seconds: number) => new Date(BASE + seconds * 1000);

const query = (q: Partial<ListRunsQuery> = {}): ListRunsQuery => ({
  pageSize: 50,
  pageToken: '',
  status: RunStatus.RUN_STATUS_UNSPECIFIED,
  kind: RunKind.RUN_KIND_UNSPECIFIED,
  datasetId: '',
  includeTrials: false,
  ...q,
});

const epochEvent = (runId: string, sequence: number, epoch: number) =>
  RunEvent.fromPartial({
    runId,
    sequence,
    time: at(100 + sequence),
    event: { $case: 'epoch', value: EpochMetrics.fromPartial({ epoch, trainLoss: 1 / epoch, valAccuracy: 0.25 * epoch }) },
  });

const trialEvent = (runId: string, sequence: number, index: number) =>
  RunEvent.fromPartial({
    runId,
    sequence,
    time: at(100 + sequence),
    event: {
      $case: 'trial',
      value: SweepTrial.fromPartial({ index, total: 2, runId: `${runId}-t${index}`, status: RunStatus.RUN_STATUS_SUCCEEDED, overrides: { 'training.lr': '0.01' } }),
    },
  });

const statusEvent = (runId: string, sequence: number, status: RunStatus) =>
  RunEvent.fromPartial({ runId, sequence, time: at(100 + sequence), event: { $case: 'status', value: { status, queuePosition: 0 } } });

/** Every page of `list`, following the tokens. */
async function allPages<T>(list: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[][]> {
  const pages: T[][] = [];
  let token = '';
  do {
    const page = await list(token);
    pages.push(page.items);
    token = page.nextPageToken;
  } while (token && pages.length < 100);
  return pages;
}

/** Deterministic bytes, distinct per `seed`. */
function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/**
 * The contract's tests for one implementation. `open` gives a store with
 * empty tables (see `StoreUnderTest.reset`).
 */
export function describeRegistryStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`registry store contract: ${name}`, () => {
    let store: StoreUnderTest;
    let shared = false;

    beforeAll(async () => {
      const first = await open();
      if (first.reset) {
        store = first;
        shared = true;
      } else {
        await first.close();
      }
    });
    beforeEach(async () => {
      if (shared) await store.reset?.();
      else store = await open();
    });
    afterEach(async () => {
      if (!shared) await store.close();
    });
    afterAll(async () => {
      if (shared) await store.close();
    });

    const db = () => store.db;

    describe('runs', () => {
      const run = (id: string, partial: Partial<Run> = {}) =>
        Run.fromPartial({
          id,
          name: `name of ${id}`,
          kind: RunKind.RUN_KIND_TRAIN,
          status: RunStatus.RUN_STATUS_QUEUED,
          datasetId: 'ds-1',
          createdAt: at(0),
          ...partial,
        });

      it('inserts and gets a run; an unknown id is undefined', async () => {
        const r = run('run-a', {
          kind: RunKind.RUN_KIND_ADVERSARIAL_TRAIN,
          training: TrainingConfig.fromPartial({ epochs: 3, learningRate: 0.001, seed: 7 }),
          bestValAccuracy: 0.1 + 0.2,
          bestRobustAccuracy: 0,
          modelId: 'mdl-a',
          startedAt: at(1),
        });
        await db().runs.insert(r);
        expect(await db().runs.get('run-a')).toEqual(r);
        expect(await db().runs.get('run-missing')).toBeUndefined();
      });

      it('refuses a second run with the same id', async () => {
        await db().runs.insert(run('run-a'));
        await expect(db().runs.insert(run('run-a'))).rejects.toMatchObject({ message: expect.any(String) });
      });

      it('fills history from epoch events and trials from trial events, in sequence order', async () => {
        // History given at insert is not stored: the event log is the source of truth.
        await db().runs.insert(run('run-a', { history: [EpochMetrics.fromPartial({ epoch: 99 })] }));
        expect((await db().runs.get('run-a'))?.history).toEqual([]);
        for (const e of [epochEvent('run-a', 3, 2), statusEvent('run-a', 1, RunStatus.RUN_STATUS_RUNNING), epochEvent('run-a', 2, 1), trialEvent('run-a', 4, 0), trialEvent('run-a', 5, 1)]) {
          await db().runs.appendEvent(e);
        }
        const got = await db().runs.get('run-a');
        expect(got?.history.map((h) => h.epoch)).toEqual([1, 2]);
        expect(got?.history[1]).toEqual(EpochMetrics.fromPartial({ epoch: 2, trainLoss: 0.5, valAccuracy: 0.5 }));
        expect(got?.trials.map((t) => t.index)).toEqual([0, 1]);
        expect(got?.trials[0]).toEqual((trialEvent('run-a', 4, 0).event as { value: SweepTrial }).value);
        // Another run's events do not leak in.
        await db().runs.insert(run('run-b'));
        expect(await db().runs.get('run-b')).toEqual(expect.objectContaining({ history: [], trials: [] }));
      });

      it('updates the record and status; updating an unknown run throws', async () => {
        await db().runs.insert(run('run-a'));
        await db().runs.appendEvent(epochEvent('run-a', 1, 1));
        const done = run('run-a', { status: RunStatus.RUN_STATUS_SUCCEEDED, finishedAt: at(60), bestValAccuracy: 0.5, modelId: 'mdl-a' });
        await db().runs.update(done);
        const got = await db().runs.get('run-a');
        expect(got).toEqual({ ...done, history: [EpochMetrics.fromPartial({ epoch: 1, trainLoss: 1, valAccuracy: 0.25 })] });
        expect(await db().runs.idsWithStatus([RunStatus.RUN_STATUS_SUCCEEDED])).toEqual(['run-a']);
        expect((await db().runs.list(query({ status: RunStatus.RUN_STATUS_SUCCEEDED }))).runs.map((r) => r.id)).toEqual(['run-a']);
        await expect(db().runs.update(run('run-missing'))).rejects.toMatchObject({ message: expect.stringMatching(/run-missing/) });
      });

      it('pages newest first with stable tokens; trials only when asked', async () => {
        for (let i = 0; i < 7; i++) {
          await db().runs.insert(run(`run-${i}`, { createdAt: at(i), parentRunId: i === 6 ? 'run-5' : '' }));
        }
        const pages = await allPages(async (pageToken) => {
          const page = await db().runs.list(query({ pageSize: 2, pageToken }));
          return { items: page.runs.map((r) => r.id), nextPageToken: page.nextPageToken };
        });
        expect(pages).toEqual([['run-5', 'run-4'], ['run-3', 'run-2'], ['run-1', 'run-0']]);
        const withTrials = await db().runs.list(query({ includeTrials: true }));
        expect(withTrials.runs.map((r) => r.id)).toEqual(['run-6', 'run-5', 'run-4', 'run-3', 'run-2', 'run-1', 'run-0']);
        expect(withTrials.nextPageToken).toBe('');
        // The last full page has no token when nothing follows.
        expect((await db().runs.list(query({ pageSize: 6 }))).nextPageToken).toBe('');
      });

      it('breaks ties of creation time by id, descending, across pages', async () => {
        for (const id of ['run-b', 'run-B', 'run-a', 'run-c', 'run_a', 'run-A']) await db().runs.insert(run(id, { createdAt: at(5) }));
        await db().runs.insert(run('run-old', { createdAt: at(1) }));
        const pages = await allPages(async (pageToken) => {
          const page = await db().runs.list(query({ pageSize: 4, pageToken }));
          return { items: page.runs.map((r) => r.id), nextPageToken: page.nextPageToken };
        });
        // Byte order, as SQLite compares text: '_' > lower case > upper case > '-'... per character.
        expect(pages.flat()).toEqual(['run_a', 'run-c', 'run-b', 'run-a', 'run-B', 'run-A', 'run-old']);
        expect(pages.map((p) => p.length)).toEqual([4, 3]);
      });

      it('filters by status, kind and dataset, alone and together, across pages', async () => {
        for (let i = 0; i < 8; i++) {
          await db().runs.insert(
            run(`run-${i}`, {
              createdAt: at(i),
              kind: i % 2 ? RunKind.RUN_KIND_ADVERSARIAL_TRAIN : RunKind.RUN_KIND_TRAIN,
              status: i < 4 ? RunStatus.RUN_STATUS_SUCCEEDED : RunStatus.RUN_STATUS_FAILED,
              datasetId: i % 3 ? 'ds-1' : 'ds-2',
            }),
          );
        }
        const ids = async (q: Partial<ListRunsQuery>) =>
          (
            await allPages(async (pageToken) => {
              const page = await db().runs.list(query({ pageSize: 2, ...q, pageToken }));
              return { items: page.runs.map((r) => r.id), nextPageToken: page.nextPageToken };
            })
          ).flat();
        expect(await ids({ status: RunStatus.RUN_STATUS_SUCCEEDED })).toEqual(['run-3', 'run-2', 'run-1', 'run-0']);
        expect(await ids({ kind: RunKind.RUN_KIND_ADVERSARIAL_TRAIN })).toEqual(['run-7', 'run-5', 'run-3', 'run-1']);
        expect(await ids({ datasetId: 'ds-2' })).toEqual(['run-6', 'run-3', 'run-0']);
        expect(await ids({ status: RunStatus.RUN_STATUS_FAILED, kind: RunKind.RUN_KIND_TRAIN })).toEqual(['run-6', 'run-4']);
        expect(await ids({ status: RunStatus.RUN_STATUS_FAILED, kind: RunKind.RUN_KIND_TRAIN, datasetId: 'ds-1' })).toEqual(['run-4']);
        expect(await ids({ datasetId: 'ds-none' })).toEqual([]);
        expect(await ids({ status: RunStatus.RUN_STATUS_CANCELLED })).toEqual([]);
      });

      it('lists records without history', async () => {
        await db().runs.insert(run('run-a'));
        await db().runs.appendEvent(epochEvent('run-a', 1, 1));
        expect((await db().runs.list(query())).runs).toEqual([run('run-a')]);
      });

      it('uses the default page size for 0 and refuses bad sizes and tokens', async () => {
        for (let i = 0; i < 52; i++) await db().runs.insert(run(`run-${String(i).padStart(2, '0')}`, { createdAt: at(i) }));
        const first = await db().runs.list(query({ pageSize: 0 }));
        expect(first.runs).toHaveLength(50);
        expect(first.runs[0].id).toBe('run-51');
        const second = await db().runs.list(query({ pageSize: 0, pageToken: first.nextPageToken }));
        expect(second.runs.map((r) => r.id)).toEqual(['run-01', 'run-00']);
        expect(second.nextPageToken).toBe('');
        await expect(db().runs.list(query({ pageToken: 'garbage' }))).rejects.toMatchObject({ message: expect.stringMatching(/page_token/) });
        await expect(db().runs.list(query({ pageSize: 501 }))).rejects.toMatchObject({ message: expect.stringMatching(/page_size must be in \[1, 500\]/) });
        await expect(db().runs.list(query({ pageSize: -1 }))).rejects.toMatchObject({ message: expect.stringMatching(/page_size/) });
        expect((await db().runs.list(query({ pageSize: 500 }))).runs).toHaveLength(52);
      });

      it('gives ids of runs in some statuses, oldest first', async () => {
        const statuses = [RunStatus.RUN_STATUS_RUNNING, RunStatus.RUN_STATUS_QUEUED, RunStatus.RUN_STATUS_SUCCEEDED, RunStatus.RUN_STATUS_QUEUED];
        for (let i = 0; i < statuses.length; i++) await db().runs.insert(run(`run-${i}`, { createdAt: at(10 - i), status: statuses[i] }));
        expect(await db().runs.idsWithStatus([RunStatus.RUN_STATUS_QUEUED, RunStatus.RUN_STATUS_RUNNING])).toEqual(['run-3', 'run-1', 'run-0']);
        expect(await db().runs.idsWithStatus([RunStatus.RUN_STATUS_SUCCEEDED])).toEqual(['run-2']);
        expect(await db().runs.idsWithStatus([RunStatus.RUN_STATUS_FAILED])).toEqual([]);
        expect(await db().runs.idsWithStatus([])).toEqual([]);
      });

      it('appends events and reads them back after a sequence, in order', async () => {
        await db().runs.insert(run('run-a'));
        await db().runs.insert(run('run-b'));
        const events = [statusEvent('run-a', 1, RunStatus.RUN_STATUS_RUNNING), epochEvent('run-a', 2, 1), epochEvent('run-a', 3, 2), trialEvent('run-a', 4, 0)];
        for (const e of [events[2], events[0], events[3], events[1]]) await db().runs.appendEvent(e);
        await db().runs.appendEvent(epochEvent('run-b', 1, 1));
        expect(await db().runs.eventsAfter('run-a', 0)).toEqual(events);
        expect(await db().runs.eventsAfter('run-a', 2)).toEqual(events.slice(2));
        expect(await db().runs.eventsAfter('run-a', 4)).toEqual([]);
        expect(await db().runs.eventsAfter('run-missing', 0)).toEqual([]);
      });

      it('refuses an event whose sequence the run already has', async () => {
        await db().runs.insert(run('run-a'));
        await db().runs.insert(run('run-b'));
        await db().runs.appendEvent(epochEvent('run-a', 1, 1));
        await expect(db().runs.appendEvent(statusEvent('run-a', 1, RunStatus.RUN_STATUS_FAILED))).rejects.toMatchObject({ message: expect.any(String) });
        await db().runs.appendEvent(epochEvent('run-b', 1, 1)); // same sequence, another run
        expect(await db().runs.eventsAfter('run-a', 0)).toEqual([epochEvent('run-a', 1, 1)]);
      });

      it('gives the last sequence of a run, 0 when it has none', async () => {
        await db().runs.insert(run('run-a'));
        expect(await db().runs.lastSequence('run-a')).toBe(0);
        expect(await db().runs.lastSequence('run-missing')).toBe(0);
        await db().runs.appendEvent(epochEvent('run-a', 5, 1));
        await db().runs.appendEvent(epochEvent('run-a', 3, 2));
        expect(await db().runs.lastSequence('run-a')).toBe(5);
      });

      it('gives the events of one kind, in order', async () => {
        await db().runs.insert(run('run-a'));
        const checkpoint = RunEvent.fromPartial({
          runId: 'run-a',
          sequence: 3,
          event: { $case: 'checkpoint', value: { epoch: 1, reason: CheckpointReason.CHECKPOINT_REASON_BEST, accuracy: 0.5 } },
        });
        for (const e of [epochEvent('run-a', 4, 2), statusEvent('run-a', 1, RunStatus.RUN_STATUS_RUNNING), epochEvent('run-a', 2, 1), checkpoint]) {
          await db().runs.appendEvent(e);
        }
        expect((await db().runs.eventsOf('run-a', 'epoch')).map((e) => e.sequence)).toEqual([2, 4]);
        expect(await db().runs.eventsOf('run-a', 'checkpoint')).toEqual([checkpoint]);
        expect(await db().runs.eventsOf('run-a', 'trial')).toEqual([]);
      });
    });

    describe('models', () => {
      const model = (id: string, partial: Partial<Model> = {}) =>
        Model.fromPartial({ id, name: `name of ${id}`, runId: `run-of-${id}`, datasetId: 'ds-1', valAccuracy: 0.5, numParameters: 60052, createdAt: at(0), ...partial });

      it('inserts, gets and updates a model; updating an unknown model throws', async () => {
        const m = model('mdl-a', {
          training: TrainingConfig.fromPartial({ epochs: 3, batchSize: 64 }),
          evaluations: [RobustResult.fromPartial({ epsilonLabel: '8/255', numImages: 100, cleanAccuracy: 0.9, robustAccuracy: 0.25, attackSuccessRate: 0.7, meanLoss: 1.5 })],
        });
        await db().models.insert(m, 'mdl-a.ckpt');
        expect(await db().models.get('mdl-a')).toEqual({ model: m, checkpoint: 'mdl-a.ckpt' });
        expect(await db().models.get('mdl-missing')).toBeUndefined();
        await db().models.update({ ...m, robustAccuracy: 0.25, name: 'renamed' });
        expect(await db().models.get('mdl-a')).toEqual({ model: { ...m, robustAccuracy: 0.25, name: 'renamed' }, checkpoint: 'mdl-a.ckpt' });
        await expect(db().models.update(model('mdl-missing'))).rejects.toMatchObject({ message: expect.stringMatching(/mdl-missing/) });
        await expect(db().models.insert(m, 'other.ckpt')).rejects.toMatchObject({ message: expect.any(String) });
      });

      it('pages newest first, by dataset, with tokens', async () => {
        for (let i = 0; i < 5; i++) await db().models.insert(model(`mdl-${i}`, { createdAt: at(i), datasetId: i % 2 ? 'ds-1' : 'ds-2' }), `mdl-${i}.ckpt`);
        const ids = async (datasetId: string) =>
          allPages(async (pageToken) => {
            const page = await db().models.list({ pageSize: 2, pageToken, datasetId });
            return { items: page.models.map((m) => m.id), nextPageToken: page.nextPageToken };
          });
        expect(await ids('')).toEqual([['mdl-4', 'mdl-3'], ['mdl-2', 'mdl-1'], ['mdl-0']]);
        expect(await ids('ds-1')).toEqual([['mdl-3', 'mdl-1']]);
        expect(await ids('ds-2')).toEqual([['mdl-4', 'mdl-2'], ['mdl-0']]);
        expect(await ids('ds-none')).toEqual([[]]);
        await expect(db().models.list({ pageSize: 0, pageToken: 'garbage', datasetId: '' })).rejects.toMatchObject({ message: expect.stringMatching(/page_token/) });
        await expect(db().models.list({ pageSize: 1000, pageToken: '', datasetId: '' })).rejects.toMatchObject({ message: expect.stringMatching(/page_size/) });
      });

      it('counts and deletes models, returning the checkpoint name', async () => {
        expect(await db().models.count()).toBe(0);
        await db().models.insert(model('mdl-a'), 'mdl-a.ckpt');
        await db().models.insert(model('mdl-b'), 'elsewhere/b.ckpt');
        expect(await db().models.count()).toBe(2);
        expect(await db().models.delete('mdl-b')).toBe('elsewhere/b.ckpt');
        expect(await db().models.get('mdl-b')).toBeUndefined();
        expect(await db().models.delete('mdl-b')).toBeUndefined();
        expect(await db().models.count()).toBe(1);
        expect((await db().models.list({ pageSize: 0, pageToken: '', datasetId: '' })).models.map((m) => m.id)).toEqual(['mdl-a']);
      });
    });

    describe('datasets', () => {
      const dataset = (id: string, partial: Partial<Dataset> = {}) =>
        Dataset.fromPartial({ id, name: `name-${id}`, source: `/src/${id}`, imageSize: 28, classNames: ['cat', 'dog'], trainCounts: [3, 4], testCounts: [1, 2], createdAt: at(0), ...partial });

      it('upserts, gets and finds by name; unknown ones are undefined', async () => {
        const d = dataset('ds-a', { skipped: [{ path: 'x.png', reason: 'corrupt' }] });
        await db().datasets.upsert(d, '/cache/a');
        expect(await db().datasets.get('ds-a')).toEqual({ dataset: d, cacheDir: '/cache/a' });
        expect(await db().datasets.findByName('name-ds-a')).toEqual({ dataset: d, cacheDir: '/cache/a' });
        expect(await db().datasets.get('ds-missing')).toBeUndefined();
        expect(await db().datasets.findByName('missing')).toBeUndefined();
      });

      it('replaces the dataset with the same id', async () => {
        await db().datasets.upsert(dataset('ds-a'), '/cache/a');
        const replaced = dataset('ds-a', { name: 'renamed', source: '/src/new', classNames: ['a', 'b', 'c'], builtin: true });
        await db().datasets.upsert(replaced, '/cache/new');
        expect(await db().datasets.get('ds-a')).toEqual({ dataset: replaced, cacheDir: '/cache/new' });
        expect(await db().datasets.findByName('name-ds-a')).toBeUndefined();
        expect(await db().datasets.findByName('renamed')).toEqual({ dataset: replaced, cacheDir: '/cache/new' });
        expect(await db().datasets.list()).toEqual([replaced]);
      });

      it('refuses a second dataset with a name already taken', async () => {
        await db().datasets.upsert(dataset('ds-a', { name: 'animals' }), '/cache/a');
        await expect(db().datasets.upsert(dataset('ds-b', { name: 'animals' }), '/cache/b')).rejects.toMatchObject({ message: expect.any(String) });
        expect(await db().datasets.get('ds-b')).toBeUndefined();
      });

      it('lists bundled datasets first, then newest first', async () => {
        await db().datasets.upsert(dataset('ds-old', { createdAt: at(1) }), '/c/old');
        await db().datasets.upsert(dataset('ds-bundled', { createdAt: at(0), builtin: true }), '/c/bundled');
        await db().datasets.upsert(dataset('ds-new', { createdAt: at(3) }), '/c/new');
        await db().datasets.upsert(dataset('ds-tie', { createdAt: at(3) }), '/c/tie');
        await db().datasets.upsert(dataset('ds-bundled-2', { createdAt: at(2), builtin: true }), '/c/bundled2');
        expect((await db().datasets.list()).map((d) => d.id)).toEqual(['ds-bundled-2', 'ds-bundled', 'ds-tie', 'ds-new', 'ds-old']);
      });
    });

    describe('blobs', () => blobTests(() => store.blobs));
  });
}

/**
 * The `BlobStore` tests alone, for a blob store without a database (files,
 * object storage). `open` gives an empty store.
 */
export function describeBlobStore(name: string, open: () => Promise<Omit<StoreUnderTest, 'db'>>): void {
  describe(`blob store contract: ${name}`, () => {
    let store: Omit<StoreUnderTest, 'db'>;
    beforeEach(async () => {
      store = await open();
      await store.reset?.();
    });
    afterEach(async () => {
      await store.close();
    });
    blobTests(() => store.blobs);
  });
}

function blobTests(blobs: () => BlobStore): void {
  it('puts, gets, replaces and deletes a blob', async () => {
    expect(await blobs().get('mdl-a.ckpt')).toBeUndefined();
    await blobs().put('mdl-a.ckpt', bytes(1000, 1));
    expect(await blobs().get('mdl-a.ckpt')).toEqual(bytes(1000, 1));
    await blobs().put('mdl-a.ckpt', bytes(10, 2)); // shorter: nothing of the old value may remain
    expect(await blobs().get('mdl-a.ckpt')).toEqual(bytes(10, 2));
    await blobs().delete('mdl-a.ckpt');
    expect(await blobs().get('mdl-a.ckpt')).toBeUndefined();
    await blobs().delete('mdl-a.ckpt'); // absent: nothing happens
    expect(await blobs().list('')).toEqual([]);
  });

  it('keeps empty blobs and the bytes of a view, not of its whole buffer', async () => {
    await blobs().put('empty', new Uint8Array(0));
    expect(await blobs().get('empty')).toEqual(Buffer.alloc(0));
    const whole = bytes(100, 3);
    await blobs().put('view', new Uint8Array(whole.buffer, whole.byteOffset + 10, 20));
    expect(await blobs().get('view')).toEqual(whole.subarray(10, 30));
    expect(await blobs().list('')).toEqual(['empty', 'view']);
  });

  it('lists keys by prefix, sorted, through nested keys', async () => {
    for (const key of ['ds-2/train.bin', 'ds-1/train.bin', 'mdl-b.ckpt', 'ds-1/test.bin', 'ds-10/x/y.bin', 'mdl-a.ckpt']) await blobs().put(key, bytes(3, 4));
    expect(await blobs().list('')).toEqual(['ds-1/test.bin', 'ds-1/train.bin', 'ds-10/x/y.bin', 'ds-2/train.bin', 'mdl-a.ckpt', 'mdl-b.ckpt']);
    expect(await blobs().list('ds-1/')).toEqual(['ds-1/test.bin', 'ds-1/train.bin']);
    expect(await blobs().list('ds-1')).toEqual(['ds-1/test.bin', 'ds-1/train.bin', 'ds-10/x/y.bin']);
    expect(await blobs().list('ds-1/tr')).toEqual(['ds-1/train.bin']);
    expect(await blobs().list('mdl-')).toEqual(['mdl-a.ckpt', 'mdl-b.ckpt']);
    expect(await blobs().list('nothing')).toEqual([]);
    expect(await blobs().get('ds-10/x/y.bin')).toEqual(bytes(3, 4));
    await blobs().delete('ds-1/test.bin');
    expect(await blobs().list('ds-1/')).toEqual(['ds-1/train.bin']);
  });

  it('stores a blob of several MiB byte for byte', async () => {
    const big = randomBytes(3.5 * 1024 * 1024);
    await blobs().put('ds-1/cache.bin', big);
    const got = await blobs().get('ds-1/cache.bin');
    expect(got?.length).toBe(big.length);
    expect(got?.equals(big)).toBe(true);
    const smaller = randomBytes(1024 * 1024 + 1);
    await blobs().put('ds-1/cache.bin', smaller);
    expect((await blobs().get('ds-1/cache.bin'))?.equals(smaller)).toBe(true);
  });

  it('leaves one whole value when puts of a key race, and readers never see half of one', async () => {
    const values = [0, 1, 2, 3].map((i) => bytes(2 * 1024 * 1024 + i * 1000, 10 + i));
    await blobs().put('race', values[0]);
    const seen: Buffer[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const got = await blobs().get('race');
        if (got) seen.push(got);
      }
    })();
    await Promise.all(values.map((v) => blobs().put('race', v)));
    writing = false;
    await reader;
    const final = await blobs().get('race');
    expect(values.some((v) => v.equals(final as Buffer))).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
    for (const got of seen) expect(values.some((v) => v.equals(got))).toBe(true);
    expect(await blobs().list('')).toEqual(['race']);
  });
}
