/**
 * Nothing a client does takes advlab down. Everything here runs against the processes
 * `npm start` starts (supervisor, trainer, attack server, dashboard), so what is tested is
 * the production process's own handling of rejections, cancellations and crashes, not
 * jest's. The suite starts advlab once and goes through, in order:
 *
 * 1. the fault table: every streaming RPC cancelled after its first message, in the middle
 *    and just before its end, each followed by a check that every service still answers;
 * 2. failing imports: an empty class folder, a folder of corrupt files, a folder that
 *    vanishes mid-import, an unreadable file, a walk of the whole file system;
 * 3. a soak of a few hundred mixed requests with random cancels and deadlines;
 * 4. `kill -9` of the trainer: the supervisor brings it back, the dashboard shows it
 *    restarting and then serving, finished models still load, the cut run is interrupted;
 * 5. Ctrl-C: everything stops, exit code 0.
 */
import {
  AdversarialTrainRequest,
  AttackRequest,
  EvaluateRequest,
  SampleDatasetRequest,
  Dataset,
  ImportDatasetRequest,
  LiveAttackRequest,
  PredictRequest,
  promiseClient,
  RunStatus,
  StreamAttackRequest,
  SweepRequest,
  TrainRequest,
  WatchRunRequest,
  AttackMethod,
  type ImportDatasetResponse,
  type RunEvent,
  type TrainResponse,
} from '@advlab/contract';
import { writeToyImageFolder } from '@advlab/trainer-service/testing';
import * as grpc from '@grpc/grpc-js';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startAdvlab, waitFor, type Advlab } from './support/advlab';
import { cancelPoints, readStream, type StreamOutcome } from './support/calls';

jest.setTimeout(600_000);

let advlab: Advlab;
let dir: string;
let datasetId: string;
let modelId: string;
let finishedRunId: string;
/** Process ids at the start: a service that crashed and came back has another. */
const pids: Record<'trainer' | 'attack', number> = { trainer: 0, attack: 0 };

const LOAD_CALLS = 200;
/** Growth of the trainer's resident memory under the burst that still counts as bounded. */
const LOAD_RSS_BOUND_BYTES = 256 * 1024 * 1024;

type SoakMode = 'normal' | 'deadline' | 'cancel';

const SOAK_REQUESTS = 300;
const SOAK_CONCURRENCY = 6;
const SOAK_MAX_MS = 240_000;
/** Growth of a service's resident memory over the soak that still counts as flat. */
const SOAK_RSS_BOUND_BYTES = 256 * 1024 * 1024;
/** What a soak request may end with: anything else (INTERNAL, UNAVAILABLE, UNKNOWN) is a failure. */
const ACCEPTED_CODES = [grpc.status.OK, grpc.status.CANCELLED, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.FAILED_PRECONDITION];

const tinyModel = { featureMaps: [4, 8], dropRate: 0, batchNorm: true, useSkip: true };
const tinyTraining = (epochs: number, seed = 1) => ({ epochs, batchSize: 8, seed, validationFraction: 0.25 });
const pgd = (steps: number) => ({ method: AttackMethod.ATTACK_METHOD_PGD, epsilon: 8 / 255, stepSize: 0.004, steps });

/** Every service answers its health check and a normal request; nothing restarted; no incident. */
async function expectEverythingServing(): Promise<void> {
  expect(await advlab.health('trainer')).toBe('SERVING');
  expect(await advlab.health('attack')).toBe('SERVING');
  const api = promiseClient(advlab.trainer);
  const { model } = await api.getModel({ modelId }, undefined, { deadline: Date.now() + 10_000 });
  expect(model?.id).toBe(modelId);
  const [trainer, attack] = [await advlab.info('trainer'), await advlab.info('attack')];
  expect([trainer.pid, attack.pid]).toEqual([pids.trainer, pids.attack]);
  expect([trainer.incidents?.unhandledRejections, attack.incidents?.unhandledRejections]).toEqual([0, 0]);
  const page = await fetch(`${advlab.dashboardUrl}/`);
  expect(page.status).toBe(200);
}

/** Waits until the trainer has no run queued or running (cancelled callers leave their runs going). */
async function trainerIdle(): Promise<void> {
  await waitFor('the trainer to finish its runs', async () => {
    const info = await advlab.info('trainer');
    return info.load?.runningRuns === 0 && info.load?.queuedRuns === 0;
  }, 300_000, 500);
}

/** Dataset cache folders in the data directory. */
async function datasetFolders(): Promise<string[]> {
  return (await fs.readdir(path.join(advlab.dataDir, 'datasets'))).sort();
}

async function datasetNames(): Promise<string[]> {
  const { datasets } = await promiseClient(advlab.trainer).listDatasets({});
  return datasets.map((d) => d.name);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'advlab-system-'));
  await writeToyImageFolder(path.join(dir, 'toy'), { perClass: 12, size: 16 });
  await writeToyImageFolder(path.join(dir, 'big'), { perClass: 150, size: 32, seed: 3 });
  // An unlabelled folder of 600 images: Predict answers it in 3 messages of up to 256.
  await fs.mkdir(path.join(dir, 'unlabeled'));
  const sources = (await fs.readdir(path.join(dir, 'big', 'green'))).filter((f) => f.endsWith('.png'));
  for (let i = 0; i < 600; i++) await fs.copyFile(path.join(dir, 'big', 'green', sources[i % sources.length]), path.join(dir, 'unlabeled', `${i}.png`));

  advlab = await startAdvlab({ dataDir: path.join(dir, 'data'), asUnprivileged: true });
  pids.trainer = (await advlab.info('trainer')).pid;
  pids.attack = (await advlab.info('attack')).pid;

  const imported = await readStream<ImportDatasetResponse>(
    advlab.trainer.importDataset(ImportDatasetRequest.fromPartial({ name: 'toy', source: { $case: 'imageFolder', value: path.join(dir, 'toy') }, imageSize: 16 })),
  );
  expect(imported.code).toBe(grpc.status.OK);
  datasetId = (imported.messages[imported.messages.length - 1].event?.value as Dataset).id;
  const trained = await readStream<TrainResponse>(advlab.trainer.train(TrainRequest.fromPartial({ datasetId, model: tinyModel, training: tinyTraining(2) })));
  const finished = trained.messages[trained.messages.length - 1].event as RunEvent;
  expect(finished.event?.$case).toBe('finished');
  modelId = (finished.event as { value: { model?: { id: string } } }).value.model?.id as string;
  finishedRunId = finished.runId;
}, 600_000);

afterAll(async () => {
  if (advlab) {
    advlab.close();
    advlab.kill();
  }
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** One streaming RPC of the fault table: how to start it (fresh for every call) and how to read it. */
interface StreamCase {
  rpc: string;
  start: (attempt: string) => grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>;
  /** After a cancelled call, anything else to check. */
  after?: (attempt: string, outcome: StreamOutcome<unknown>) => Promise<void>;
}

const streamCases: StreamCase[] = [
  { rpc: 'Train', start: () => advlab.trainer.train(TrainRequest.fromPartial({ datasetId, model: tinyModel, training: tinyTraining(2, 5) })) },
  {
    rpc: 'AdversarialTrain',
    start: () =>
      advlab.trainer.adversarialTrain(
        AdversarialTrainRequest.fromPartial({ datasetId, baseModelId: modelId, training: tinyTraining(1), adversarial: { attack: pgd(2), evalAttack: { steps: 2 }, evalImages: 8 } }),
      ),
  },
  {
    rpc: 'Sweep',
    start: () =>
      advlab.trainer.sweep(
        SweepRequest.fromPartial({ datasetId, model: tinyModel, training: tinyTraining(1), sweep: { axes: [{ path: 'training.learning_rate', values: ['0.001', '0.01'] }] } }),
      ),
  },
  { rpc: 'Predict', start: () => advlab.trainer.predict(PredictRequest.fromPartial({ modelId, input: { $case: 'folder', value: path.join(dir, 'unlabeled') } })) },
  { rpc: 'WatchRun', start: () => advlab.trainer.watchRun(WatchRunRequest.fromPartial({ runId: finishedRunId })) },
  {
    rpc: 'ImportDataset',
    start: (attempt) => advlab.trainer.importDataset(ImportDatasetRequest.fromPartial({ name: `big-${attempt}`, source: { $case: 'imageFolder', value: path.join(dir, 'big') }, imageSize: 32 })),
    after: async (attempt, outcome) => {
      const registered = (await datasetNames()).includes(`big-${attempt}`);
      // Cancelled before its last message, an import may still have finished; if it did not, nothing of it remains.
      if (outcome.code === grpc.status.CANCELLED && !registered) {
        await waitFor('the cancelled import to clean up', async () => (await datasetFolders()).length === (await promiseClient(advlab.trainer).listDatasets({})).datasets.length - 1);
      }
    },
  },
  {
    rpc: 'StreamAttack',
    start: () =>
      advlab.attack.streamAttack(StreamAttackRequest.fromPartial({ modelId, image: { $case: 'datasetImage', value: { datasetId, split: 0, index: 1 } }, attack: pgd(10) })),
  },
  {
    rpc: 'LiveAttack',
    start: () => {
      const call = advlab.attack.liveAttack();
      call.write(LiveAttackRequest.fromPartial({ imageId: 'a', modelId, image: { $case: 'datasetImage', value: { datasetId, split: 0, index: 2 } }, attack: pgd(10) }));
      call.end();
      return call;
    },
  },
];

describe('npm start under faults (real processes)', () => {
  describe('the fault table: each streaming RPC cancelled after its first message, in the middle and just before its end', () => {
    for (const c of streamCases) {
      it(`${c.rpc}`, async () => {
        const full = await readStream(c.start('full'));
        expect({ rpc: c.rpc, code: full.code, details: full.details }).toEqual({ rpc: c.rpc, code: grpc.status.OK, details: expect.any(String) });
        expect(full.messages.length).toBeGreaterThanOrEqual(2);
        for (const point of cancelPoints(full.messages.length)) {
          const outcome = await readStream(c.start(point.name), point.after);
          // Cancelled by the client, or (a fast stream) finished before the cancel arrived.
          expect([grpc.status.CANCELLED, grpc.status.OK]).toContain(outcome.code);
          await c.after?.(point.name, outcome);
          await expectEverythingServing();
        }
      });
    }

    it('leaves every run the cancelled calls started to finish, and the services serving', async () => {
      await trainerIdle();
      const { runs } = await promiseClient(advlab.trainer).listRuns({ pageSize: 100, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: false });
      expect(runs.filter((r) => r.status !== RunStatus.RUN_STATUS_SUCCEEDED)).toEqual([]);
      await expectEverythingServing();
    });
  });

  describe('failing imports end with a status and leave nothing behind', () => {
    const importFolder = (name: string, folder: string, deadlineMs?: number) =>
      readStream<ImportDatasetResponse>(
        advlab.trainer.importDataset(
          ImportDatasetRequest.fromPartial({ name, source: { $case: 'imageFolder', value: folder }, imageSize: 16 }),
          deadlineMs ? { deadline: Date.now() + deadlineMs } : {},
        ),
      );

    it('an empty class folder is refused before the first message with INVALID_ARGUMENT; fixed, it imports', async () => {
      const root = path.join(dir, 'with-empty');
      await fs.cp(path.join(dir, 'toy'), root, { recursive: true });
      await fs.mkdir(path.join(root, 'yellow'));
      const before = await datasetFolders();
      const outcome = await importFolder('with-empty', root);
      expect(outcome).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, messages: [] });
      expect(outcome.details).toMatch(/class folder "yellow" holds no files/);
      expect(await datasetFolders()).toEqual(before);
      await fs.rmdir(path.join(root, 'yellow'));
      expect((await importFolder('with-empty', root)).code).toBe(grpc.status.OK);
      await expectEverythingServing();
    });

    it('a folder whose files are all corrupt fails with INVALID_ARGUMENT after decoding, registering nothing', async () => {
      const root = path.join(dir, 'corrupt');
      for (const cls of ['a', 'b']) {
        await fs.mkdir(path.join(root, cls), { recursive: true });
        for (let i = 0; i < 5; i++) await fs.writeFile(path.join(root, cls, `${i}.png`), `not a png ${i}`);
      }
      const before = await datasetFolders();
      const outcome = await importFolder('corrupt', root);
      expect(outcome.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(outcome.details).toMatch(/class "a" has no usable image \(a\/0\.png: not-an-image/);
      expect(await datasetNames()).not.toContain('corrupt');
      expect(await datasetFolders()).toEqual(before);
      await expectEverythingServing();
    });

    it('a folder that vanishes mid-import ends the call with a status, and nothing half-made remains', async () => {
      const root = path.join(dir, 'vanishing');
      await fs.cp(path.join(dir, 'big'), root, { recursive: true });
      const before = await datasetFolders();
      const call = advlab.trainer.importDataset(ImportDatasetRequest.fromPartial({ name: 'vanishing', source: { $case: 'imageFolder', value: root }, imageSize: 32 }));
      let removed: Promise<void> | undefined;
      call.on('data', () => (removed ??= fs.rm(root, { recursive: true, force: true })));
      const outcome = await readStream<ImportDatasetResponse>(call);
      await removed;
      if (outcome.code === grpc.status.OK) {
        // Files that disappeared before they were decoded are listed as skipped.
        const dataset = outcome.messages[outcome.messages.length - 1].event?.value as Dataset;
        expect(dataset.skipped.length).toBeGreaterThan(0);
        expect(dataset.skipped.every((s) => /^missing: the file was gone when it was read/.test(s.reason))).toBe(true);
      } else {
        expect(outcome.code).toBe(grpc.status.INVALID_ARGUMENT);
        expect(await datasetNames()).not.toContain('vanishing');
        expect(await datasetFolders()).toEqual(before);
      }
      await expectEverythingServing();
    });

    it('an unreadable file is skipped with its reason; the rest imports', async () => {
      const root = path.join(dir, 'unreadable');
      await fs.cp(path.join(dir, 'toy'), root, { recursive: true });
      await fs.chmod(path.join(root, 'green', '1.png'), 0o000);
      const outcome = await importFolder('unreadable', root);
      expect(outcome.code).toBe(grpc.status.OK);
      const dataset = outcome.messages[outcome.messages.length - 1].event?.value as Dataset;
      expect(dataset.skipped).toContainEqual({ path: 'green/1.png', reason: expect.stringMatching(/^unreadable/) });
      expect(dataset.trainCounts).toEqual([12, 11, 12]);
      await expectEverythingServing();
    });

    it('a folder outside the import roots is refused with PERMISSION_DENIED, without walking it', async () => {
      const outcome = await importFolder('everything', '/', 10_000);
      expect(outcome).toMatchObject({ code: grpc.status.PERMISSION_DENIED, messages: [] });
      expect(outcome.details).toMatch(/is outside the folders this server reads for clients; put it under/);
      expect(await datasetNames()).not.toContain('everything');
      await expectEverythingServing();
    });
  });

  describe('a soak of mixed requests with random client cancels and deadlines', () => {
    it(`${SOAK_REQUESTS} requests, ${SOAK_CONCURRENCY} at a time: no process exits, no unexpected status, tensors back to their baseline, RSS bounded`, async () => {
      const kinds = soakRequests();
      // Warm-up: every kind once, so that models and datasets are loaded before the baseline.
      for (const kind of kinds) await kind.run('normal', 0);
      await settleDown();
      const baseline = { trainer: await advlab.info('trainer'), attack: await advlab.info('attack') };

      const rng = mulberry32(20261202);
      const codes = new Map<string, number>();
      let next = 0;
      const started = Date.now();
      const worker = async () => {
        while (next < SOAK_REQUESTS && Date.now() - started < SOAK_MAX_MS) {
          next++;
          const kind = kinds[Math.floor(rng() * kinds.length)];
          const r = rng();
          const mode: SoakMode = r < 0.4 ? 'normal' : r < 0.7 ? 'deadline' : 'cancel';
          const code = await kind.run(mode, Math.floor(rng() * 1_500));
          const key = `${kind.name}:${grpc.status[code]}`;
          codes.set(key, (codes.get(key) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: SOAK_CONCURRENCY }, worker));
      console.info(`soak: ${next} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; ${[...codes].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
      const unexpected = [...codes].filter(([key]) => !ACCEPTED_CODES.some((c) => key.endsWith(`:${grpc.status[c]}`)));
      expect(unexpected).toEqual([]);
      expect(next).toBe(SOAK_REQUESTS);

      await settleDown();
      for (const service of ['trainer', 'attack'] as const) {
        const now = await advlab.info(service);
        expect({ service, pid: now.pid, incidents: now.incidents?.unhandledRejections }).toEqual({ service, pid: pids[service], incidents: 0 });
        // Every tensor a request made is gone again.
        expect({ service, tensors: now.memory?.tensors }).toEqual({ service, tensors: baseline[service].memory?.tensors });
        expect(now.memory?.rssBytes ?? 0).toBeLessThan((baseline[service].memory?.rssBytes ?? 0) + SOAK_RSS_BOUND_BYTES);
      }
      await expectEverythingServing();
    });
  });

  describe('bounded work', () => {
    it(`${LOAD_CALLS} concurrent Evaluate calls: each finishes or gets RESOURCE_EXHAUSTED, the trainer stays up, its memory stays bounded`, async () => {
      await settleDown();
      const before = await advlab.info('trainer');
      const api = promiseClient(advlab.trainer);
      const outcomes = await Promise.allSettled(
        Array.from({ length: LOAD_CALLS }, () => api.evaluate(EvaluateRequest.fromPartial({ modelId, attacks: [{ method: AttackMethod.ATTACK_METHOD_FGSM }] }))),
      );
      const codes = outcomes.map((o) => (o.status === 'fulfilled' ? grpc.status.OK : (o.reason as grpc.ServiceError).code));
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as grpc.ServiceError] : []));
      console.info(`load: ${codes.filter((c) => c === grpc.status.OK).length} of ${LOAD_CALLS} Evaluate calls answered, ${refused.length} refused as too busy`);
      expect(codes.filter((c) => c !== grpc.status.OK && c !== grpc.status.RESOURCE_EXHAUSTED)).toEqual([]);
      expect(codes.filter((c) => c === grpc.status.OK).length).toBeGreaterThanOrEqual(10);
      for (const err of refused) expect(err.details).toMatch(/^too busy: \d+ evaluations running and \d+ waiting/);
      const after = await advlab.info('trainer');
      expect(after.pid).toBe(before.pid);
      expect(after.memory?.rssBytes ?? 0).toBeLessThan((before.memory?.rssBytes ?? 0) + LOAD_RSS_BOUND_BYTES);
      await expectEverythingServing();
    });
  });

  describe('a crash under npm start', () => {
    it('kill -9 of the trainer: the supervisor restarts it, the dashboard shows it restarting then serving, models load, the cut run is interrupted', async () => {
      const api = promiseClient(advlab.trainer);
      const call = advlab.trainer.train(TrainRequest.fromPartial({ datasetId, model: tinyModel, training: tinyTraining(500, 9) }));
      call.on('error', () => undefined);
      const runId = await new Promise<string>((resolve) => call.on('data', (r: TrainResponse) => r.event?.event?.$case === 'epoch' && resolve(r.event.runId)));
      const killed = pids.trainer;
      process.kill(killed, 'SIGKILL');

      const trainerCard = async () => {
        const html = await (await fetch(`${advlab.dashboardUrl}/`)).text();
        return /data-service="trainer" data-status="([A-Z_]+)"/.exec(html)?.[1];
      };
      await waitFor('the health page to show the trainer restarting', async () => (await trainerCard()) === 'RESTARTING', 30_000, 100);
      await waitFor('the trainer to come back', async () => (await advlab.info('trainer')).pid !== killed, 120_000, 250);
      pids.trainer = (await advlab.info('trainer')).pid;
      await waitFor('the health page to show the trainer serving', async () => (await trainerCard()) === 'SERVING', 30_000, 250);
      expect(advlab.output()).toMatch(/supervisor\s+\| trainer exited unexpectedly \(SIGKILL\); restarting in 1\.0 s \(restart 1\)/);

      const evaluation = await api.evaluate(EvaluateRequest.fromPartial({ modelId, maxImages: 8 }));
      expect(evaluation.numImages).toBe(8);
      const { run } = await api.getRun({ runId });
      expect(run?.status).toBe(RunStatus.RUN_STATUS_INTERRUPTED);
      const { runs } = await api.listRuns({ pageSize: 50, pageToken: '', status: RunStatus.RUN_STATUS_INTERRUPTED, kind: 0, datasetId: '', includeTrials: false });
      expect(runs.map((r) => r.id)).toContain(runId);
      await expectEverythingServing();
    });

    it('Ctrl-C stops every process of npm start', async () => {
      const services = [pids.trainer, pids.attack];
      advlab.interrupt();
      await advlab.exited;
      expect(advlab.output()).toMatch(/Ctrl-C: stopping all services\.\.\.[\s\S]*all services stopped/);
      for (const pid of services) expect(() => process.kill(pid, 0)).toThrow();
    });
  });
});

/** A small seeded generator, so a failing soak can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Waits until no call is in flight on either service and the trainer has no run. */
async function settleDown(): Promise<void> {
  await trainerIdle();
  await waitFor('calls to drain', async () => {
    const [t, a] = [await advlab.info('trainer'), await advlab.info('attack')];
    return t.load?.activeCalls === 0 && a.load?.activeCalls === 0 && a.load?.runningAttacks === 0;
  }, 120_000, 250);
}

/** Call options and cancellation for one soak request. */
function callOptions(mode: SoakMode, ms: number): Partial<grpc.CallOptions> {
  return { deadline: Date.now() + (mode === 'deadline' ? 20 + ms : 120_000) };
}

function cancelLater(mode: SoakMode, ms: number, call: { cancel(): void }): void {
  if (mode === 'cancel') setTimeout(() => call.cancel(), ms / 2);
}

function unaryCode(start: (options: Partial<grpc.CallOptions>, done: (err: grpc.ServiceError | null) => void) => { cancel(): void }, mode: SoakMode, ms: number): Promise<grpc.status> {
  return new Promise((resolve) => {
    const call = start(callOptions(mode, ms), (err) => resolve(err ? err.code : grpc.status.OK));
    cancelLater(mode, ms, call);
  });
}

async function streamCode(call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>, mode: SoakMode, ms: number): Promise<grpc.status> {
  cancelLater(mode, ms, call);
  return (await readStream(call)).code;
}

/** The soak's request kinds, each run with a mode and a random duration; none rejects. */
function soakRequests(): { name: string; run: (mode: SoakMode, ms: number) => Promise<grpc.status> }[] {
  const t = advlab.trainer;
  const a = advlab.attack;
  const md = () => new grpc.Metadata();
  const image = (index: number) => ({ $case: 'datasetImage' as const, value: { datasetId, split: 0, index } });
  let imports = 0;
  return [
    { name: 'ListRuns', run: (m, ms) => unaryCode((o, d) => t.listRuns({ pageSize: 20, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: true }, md(), o, d), m, ms) },
    { name: 'GetModel', run: (m, ms) => unaryCode((o, d) => t.getModel({ modelId }, md(), o, d), m, ms) },
    { name: 'ListDatasets', run: (m, ms) => unaryCode((o, d) => t.listDatasets({}, md(), o, d), m, ms) },
    { name: 'SampleDataset', run: (m, ms) => unaryCode((o, d) => t.sampleDataset(SampleDatasetRequest.fromPartial({ datasetId, count: 8, augmentation: { mix: { $case: 'mixup', value: { alpha: 0.4 } } } }), md(), o, d), m, ms) },
    {
      name: 'Evaluate',
      run: (m, ms) => unaryCode((o, d) => t.evaluate(EvaluateRequest.fromPartial({ modelId, maxImages: 12, attacks: [{ method: AttackMethod.ATTACK_METHOD_FGSM }] }), md(), o, d), m, ms),
    },
    { name: 'Attack', run: (m, ms) => unaryCode((o, d) => t.attack(AttackRequest.fromPartial({ modelId, attack: pgd(3), maxImages: 8, gallerySize: 4 }), md(), o, d), m, ms) },
    {
      name: 'Predict',
      run: (m, ms) => streamCode(t.predict(PredictRequest.fromPartial({ modelId, input: { $case: 'folder', value: path.join(dir, 'toy', 'red') } }), md(), callOptions(m, ms)), m, ms),
    },
    { name: 'WatchRun', run: (m, ms) => streamCode(t.watchRun(WatchRunRequest.fromPartial({ runId: finishedRunId }), md(), callOptions(m, ms)), m, ms) },
    {
      name: 'ImportDataset',
      run: (m, ms) =>
        streamCode(
          t.importDataset(ImportDatasetRequest.fromPartial({ name: `soak-${imports++ % 3}`, source: { $case: 'imageFolder', value: path.join(dir, 'toy') }, imageSize: 16 }), md(), callOptions(m, ms)),
          m,
          ms,
        ),
    },
    { name: 'Train', run: (m, ms) => streamCode(t.train(TrainRequest.fromPartial({ datasetId, model: tinyModel, training: tinyTraining(1, 11) }), md(), callOptions(m, ms)), m, ms) },
    { name: 'StreamAttack', run: (m, ms) => streamCode(a.streamAttack(StreamAttackRequest.fromPartial({ modelId, image: image(3), attack: pgd(5) }), md(), callOptions(m, ms)), m, ms) },
    {
      name: 'LiveAttack',
      run: (m, ms) => {
        const call = a.liveAttack(md(), callOptions(m, ms));
        call.write(LiveAttackRequest.fromPartial({ imageId: 'x', modelId, image: image(4), attack: pgd(5) }));
        call.end();
        return streamCode(call, m, ms);
      },
    },
  ];
}
