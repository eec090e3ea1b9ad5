/**
 * The trainer scaled out as an operator runs it: a throwaway PostgreSQL cluster, one `api`
 * process and two `worker` processes (each its own data directory: they share nothing but
 * the database), driven through the api over gRPC. In order:
 *
 * 1. ListWorkers shows the api and both workers alive;
 * 2. a 4-trial sweep on the bundled data finishes, ranked, with trials run by both workers;
 * 3. a worker killed with SIGKILL mid-run: another worker takes the run over from its last
 *    epoch, the log shows the hand-over, the epochs are continuous and the result is the one
 *    an uninterrupted run of the same seed gets;
 * 4. a worker stopped with SIGTERM gives its run back, and another goes on with it;
 * 5. the database restarts: every process reconnects, and the next run trains;
 * 6. a run cancelled through the api stops on its worker within seconds.
 */
import {
  CancelRunRequest,
  GetRunRequest,
  ListWorkersRequest,
  promiseClient,
  type PromiseClient,
  RunStatus,
  SweepRequest,
  TrainerServiceClient,
  TrainRequest,
  WatchRunRequest,
  WorkerRole,
  WorkerState,
  type Run,
  type RunEvent,
} from '@advlab/contract';
import { postgresAvailable, startPostgres, type TestPostgres } from '@advlab/registry/testing';
import { startTrainerProcess, type TrainerProcess } from '@advlab/trainer-service/testing';
import * as grpc from '@grpc/grpc-js';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readStream } from './support/calls';

jest.setTimeout(600_000);

const describePg = postgresAvailable() ? describe : describe.skip;
const BUNDLED = 'fashion-mnist-mini';

describePg('scaled out: an api and two workers over PostgreSQL', () => {
  let pg: TestPostgres;
  let dir: string;
  let url: string;
  let api: TrainerProcess;
  const workers: TrainerProcess[] = [];
  let client: TrainerServiceClient;
  let trainer: PromiseClient<TrainerServiceClient>;

  const start = (role: 'api' | 'worker', name: string) =>
    startTrainerProcess({
      ADVLAB_ROLE: role,
      ADVLAB_DATABASE_URL: url,
      ADVLAB_DATA_DIR: path.join(dir, name),
      ADVLAB_WORKER_LEASE_MS: '3000',
      ADVLAB_THREADS: '1',
      ADVLAB_TOKEN: '',
    });

  /** Every event of a run, through the api, until it ends. */
  const events = async (runId: string): Promise<RunEvent[]> => {
    const outcome = await readStream(client.watchRun(WatchRunRequest.fromPartial({ runId })));
    if (outcome.code !== grpc.status.OK) throw new Error(`WatchRun ${runId}: ${grpc.status[outcome.code]} ${outcome.details}`);
    return outcome.messages.map((m) => m.event as RunEvent);
  };
  const getRun = async (runId: string): Promise<Run> => (await trainer.getRun(GetRunRequest.fromPartial({ runId }))).run as Run;
  const getRunWorker = async (runId: string): Promise<string> => (await getRun(runId)).worker;
  const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) => {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const trainRequest = (name: string, epochs: number) =>
    TrainRequest.fromPartial({
      datasetId: BUNDLED,
      name,
      model: { featureMaps: [8, 16] },
      training: { epochs, batchSize: 32, learningRate: 0.002, seed: 11, maxTrainImages: 2000 },
    });
  /** Starts a training and returns its id once it is queued (the stream is not followed). */
  const submitTraining = async (request: TrainRequest): Promise<string> => {
    const call = client.train(request);
    const runId = await new Promise<string>((resolve, reject) => {
      call.on('data', (m: { event?: RunEvent }) => resolve(m.event?.runId ?? ''));
      call.on('error', reject);
    });
    call.cancel();
    call.on('error', () => undefined);
    return runId;
  };

  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'advlab-scale-out-'));
    api = await start('api', 'api');
    workers.push(await start('worker', 'worker-a'), await start('worker', 'worker-b'));
    client = new TrainerServiceClient(api.address, grpc.credentials.createInsecure());
    trainer = promiseClient(client);
  }, 300_000);

  afterAll(async () => {
    client?.close();
    for (const p of [api, ...workers]) p?.kill();
    await pg?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('lists the api and both workers, alive, with their backends and slots', async () => {
    await waitFor('three processes', async () => (await trainer.listWorkers(ListWorkersRequest.fromPartial({}))).workers.length === 3);
    const { workers: listed } = await trainer.listWorkers(ListWorkersRequest.fromPartial({}));
    expect(listed.map((w) => w.role)).toEqual([WorkerRole.WORKER_ROLE_API, WorkerRole.WORKER_ROLE_WORKER, WorkerRole.WORKER_ROLE_WORKER]);
    expect(listed.every((w) => w.state === WorkerState.WORKER_STATE_ALIVE)).toBe(true);
    expect(new Set(listed.map((w) => w.id))).toEqual(new Set([api.id, ...workers.map((w) => w.id)]));
    expect(listed[1].slots).toBe(1);
    expect(listed[1].threads).toBe(1);
  });

  it('fans a 4-trial sweep out over both workers and ranks it once every trial has ended', async () => {
    const call = client.sweep(
      SweepRequest.fromPartial({
        datasetId: BUNDLED,
        model: { featureMaps: [8] },
        training: { epochs: 2, batchSize: 32, maxTrainImages: 1500, seed: 5 },
        sweep: {
          axes: [
            { path: 'model.feature_maps', values: ['[8]', '[16]'] },
            { path: 'training.learning_rate', values: ['0.001', '0.003'] },
          ],
        },
      }),
    );
    const outcome = await readStream(call);
    expect(outcome.code).toBe(grpc.status.OK);
    const streamed = outcome.messages.map((m) => m.event as RunEvent);
    const last = streamed[streamed.length - 1];
    expect(last.event?.$case).toBe('finished');
    const sweep = await getRun(last.runId);
    expect(sweep.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    expect(sweep.trials).toHaveLength(4);
    expect(sweep.trials.every((t) => t.status === RunStatus.RUN_STATUS_SUCCEEDED && t.modelId)).toBe(true);
    // The sweep's best model is the trial ranked first once all four had ended.
    const ranked = [...sweep.trials].sort((a, b) => b.valAccuracy - a.valAccuracy || a.index - b.index);
    expect(sweep.modelId).toBe(ranked[0].modelId);
    const trialWorkers = await Promise.all(sweep.trials.map(async (t) => (await getRun(t.runId)).worker));
    expect(new Set(trialWorkers)).toEqual(new Set(workers.map((w) => w.id)));
  });

  it('a worker killed mid-run loses it; the other goes on from its last epoch to the result of an uninterrupted run', async () => {
    const epochs = 4;
    const runId = await submitTraining(trainRequest('taken over', epochs));
    // Kill the worker running it once its first epoch is stored: it is inside the second.
    await waitFor('the first epoch', async () => (await getRun(runId)).history.length >= 1);
    const running = await getRun(runId);
    const victim = workers.find((w) => w.id === running.worker) as TrainerProcess;
    expect(victim).toBeDefined();
    victim.kill();
    await victim.exited;

    // Stored events (batch progress, sequence 0, is live only).
    const log = (await events(runId)).filter((e) => e.sequence > 0);
    const final = await getRun(runId);
    expect(final.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    const survivor = workers.find((w) => w !== victim) as TrainerProcess;
    expect(final.worker).toBe(survivor.id);
    // The log has no gaps, shows the hand-over once, and its epochs are 1..4 without repeats.
    expect(log.map((e) => e.sequence)).toEqual(log.map((_, i) => i + 1));
    const handovers = log.filter((e) => e.event?.$case === 'handover');
    expect(handovers).toHaveLength(1);
    const handover = handovers[0].event as Extract<RunEvent['event'], { $case: 'handover' }>;
    expect(handover.value).toMatchObject({ fromWorker: victim.id, toWorker: survivor.id });
    expect(handover.value.resumedAfterEpoch).toBeGreaterThanOrEqual(1);
    expect(final.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);

    // The same request, never interrupted, on the surviving worker: the same numbers (same
    // seed, backend and threads; the resume restores weights, optimizer and schedule).
    const againId = await submitTraining(trainRequest('uninterrupted', epochs));
    await events(againId);
    const again = await getRun(againId);
    expect(again.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    for (const [i, h] of final.history.entries()) {
      expect(h.trainLoss).toBeCloseTo(again.history[i].trainLoss, 5);
      expect(h.valAccuracy).toBeCloseTo(again.history[i].valAccuracy, 5);
    }
    // A new worker replaces the lost one for the next test.
    workers.splice(workers.indexOf(victim), 1, await start('worker', 'worker-c'));
  });

  it('a worker stopped with SIGTERM gives its run back; another goes on with it', async () => {
    const runId = await submitTraining(trainRequest('handed back', 3));
    await waitFor('the first epoch', async () => (await getRun(runId)).history.length >= 1);
    const runningOn = await getRunWorker(runId);
    const leaving = workers.find((w) => w.id === runningOn) as TrainerProcess;
    expect(await leaving.stop()).toBe(0);
    const log = (await events(runId)).filter((e) => e.sequence > 0);
    const final = await getRun(runId);
    expect(final.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    expect(final.worker).not.toBe(leaving.id);
    expect(log.filter((e) => e.event?.$case === 'handover')).toHaveLength(1);
    expect(final.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    const { workers: listed } = await trainer.listWorkers(ListWorkersRequest.fromPartial({ includeStopped: true }));
    expect(listed.find((w) => w.id === leaving.id)?.state).toBe(WorkerState.WORKER_STATE_STOPPED);
    workers.splice(workers.indexOf(leaving), 1, await start('worker', 'worker-d'));
  });

  it('survives a database restart: every process reconnects and the next run trains', async () => {
    const server = pg.server;
    if (!server) return; // an external ADVLAB_TEST_DATABASE_URL server is not ours to restart
    await server.halt();
    await new Promise((r) => setTimeout(r, 2_000));
    await server.resume();
    await waitFor('the api to answer again', async () => {
      try {
        await trainer.listWorkers(ListWorkersRequest.fromPartial({}));
        return true;
      } catch {
        return false;
      }
    });
    const runId = await submitTraining(trainRequest('after the restart', 1));
    await events(runId);
    expect((await getRun(runId)).status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    for (const p of [api, ...workers]) expect(p.child.exitCode).toBeNull();
    await waitFor('every process alive again', async () => {
      const { workers: listed } = await trainer.listWorkers(ListWorkersRequest.fromPartial({}));
      return listed.filter((w) => w.state === WorkerState.WORKER_STATE_ALIVE).length === 3;
    });
  });

  it('a run cancelled through the api stops on its worker within seconds, and the worker takes the next run', async () => {
    const runId = await submitTraining(trainRequest('cancelled', 200));
    await waitFor('the run to start', async () => (await getRun(runId)).status === RunStatus.RUN_STATUS_RUNNING);
    const runningOn = (await getRun(runId)).worker;
    expect(workers.map((w) => w.id)).toContain(runningOn);
    const asked = Date.now();
    await trainer.cancelRun(CancelRunRequest.fromPartial({ runId }));
    await waitFor('the cancel', async () => (await getRun(runId)).status === RunStatus.RUN_STATUS_CANCELLED, 30_000);
    expect(Date.now() - asked).toBeLessThan(15_000);
    const log = await events(runId);
    expect(log[log.length - 1].event?.$case).toBe('cancelled');
    // Its worker is still there and trains the next run.
    const nextId = await submitTraining(trainRequest('after the cancel', 1));
    await events(nextId);
    expect((await getRun(nextId)).status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    const { workers: listed } = await trainer.listWorkers(ListWorkersRequest.fromPartial({}));
    expect(listed.filter((w) => w.state === WorkerState.WORKER_STATE_ALIVE)).toHaveLength(3);
  });
});
