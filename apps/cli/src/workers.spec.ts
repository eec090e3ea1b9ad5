import { EpochMetrics, Run, RunEvent, RunKind, RunStatus, TrainerServiceService, Worker, WorkerRole, WorkerState } from '@advlab/contract';
import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import * as grpc from '@grpc/grpc-js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Serves `impl` as the TrainerService on a free port; methods it lacks answer UNIMPLEMENTED. */
async function fakeTrainer(impl: grpc.UntypedServiceImplementation): Promise<{ server: grpc.Server; address: string }> {
  const server = new grpc.Server();
  server.addService(TrainerServiceService, impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, address: `127.0.0.1:${port}` };
}

describe('advlab workers against a real trainer', () => {
  let dir: string;
  let server: TrainerServer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-cli-workers-'));
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet });
  }, 60_000);

  afterAll(async () => {
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the one process of a single machine: role all, alive, this pid and backend, no runs of its one slot', async () => {
    const { activeBackend } = await import('@advlab/model');
    const env = { ADVLAB_TRAINER_ADDR: server.address };
    const res = await runCli(['workers', '--json'], { env });
    expect(res.code).toBe(0);
    const { workers } = JSON.parse(res.stdout);
    expect(workers).toEqual([
      expect.objectContaining({ id: expect.stringMatching(/^w-/), role: 'all', state: 'alive', host: os.hostname(), pid: process.pid, backend: activeBackend(), runIds: [], slots: 1 }),
    ]);
    expect(Date.now() - Date.parse(workers[0].heartbeatAt)).toBeLessThan(60_000);
    const human = await runCli(['workers'], { env });
    expect(human.stdout).toMatch(/^worker\s+role\s+state\s+host:pid\s+backend\s+runs\s+heartbeat\s+started$/m);
    expect(human.stdout).toMatch(new RegExp(`^${workers[0].id}\\s+all\\s+alive\\s+${os.hostname()}:${process.pid}\\s+${activeBackend()}( x\\d+)?\\s+0/1\\s+\\d+s ago\\s+\\d{4}-`, 'm'));
  }, 60_000);
});

describe('advlab workers and a hand-over against a fake trainer', () => {
  const started = new Date(Date.now() - 3_600_000);
  const api = Worker.fromPartial({ id: 'w-api', role: WorkerRole.WORKER_ROLE_API, state: WorkerState.WORKER_STATE_ALIVE, host: 'api-0', pid: 7, backend: 'cpu', threads: 1, startedAt: started, version: '0.1.0' });
  const worker = Worker.fromPartial({ id: 'w-b', role: WorkerRole.WORKER_ROLE_WORKER, state: WorkerState.WORKER_STATE_ALIVE, host: 'gpu-1', pid: 4121, backend: 'onednn', threads: 8, slots: 2, runIds: ['run-x'], startedAt: started, version: '0.1.0' });
  const lost = Worker.fromPartial({ id: 'w-a', role: WorkerRole.WORKER_ROLE_WORKER, state: WorkerState.WORKER_STATE_LOST, host: 'gpu-0', pid: 88, backend: 'onednn', threads: 8, slots: 2, startedAt: started, version: '0.1.0' });
  const run = Run.fromPartial({ id: 'run-x', name: 'moved', kind: RunKind.RUN_KIND_TRAIN, status: RunStatus.RUN_STATUS_RUNNING, datasetId: 'toy', training: { epochs: 2 } });
  const epoch = (n: number) => EpochMetrics.fromPartial({ epoch: n, trainLoss: 1 / n, trainAccuracy: 0.5, valLoss: 1 / n, valAccuracy: 0.5, learningRate: 0.001, seconds: 1, imagesPerSecond: 10 });
  const events = [
    { $case: 'created', value: { run } },
    { $case: 'epoch', value: epoch(1) },
    { $case: 'handover', value: { fromWorker: 'w-a', toWorker: 'w-b', resumedAfterEpoch: 1, reason: 'worker w-a stopped sending heartbeats' } },
    { $case: 'epoch', value: epoch(2) },
    { $case: 'finished', value: { run: { ...run, status: RunStatus.RUN_STATUS_SUCCEEDED } } },
  ].map((event, i) => RunEvent.fromPartial({ runId: 'run-x', sequence: i + 1, time: new Date(), event } as RunEvent));
  let fake: { server: grpc.Server; address: string };
  let older: { server: grpc.Server; address: string };
  const cli = (...argv: string[]) => runCli(argv, { env: { ADVLAB_TRAINER_ADDR: fake.address } });

  beforeAll(async () => {
    fake = await fakeTrainer({
      listWorkers: (call: grpc.ServerUnaryCall<{ includeStopped: boolean }, unknown>, done: grpc.sendUnaryData<unknown>) => {
        const now = Date.now();
        const beat = (w: Worker, secondsAgo: number) => ({ ...w, heartbeatAt: new Date(now - secondsAgo * 1000) });
        done(null, { workers: [beat(api, 1), beat(worker, 2), ...(call.request.includeStopped ? [beat(lost, 95)] : [])] });
      },
      watchRun: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        for (const event of events) call.write({ event });
        call.end();
      },
      getRun: (_call: unknown, done: grpc.sendUnaryData<unknown>) => done(null, { run: { ...run, status: RunStatus.RUN_STATUS_SUCCEEDED } }),
    });
    older = await fakeTrainer({});
  });

  afterAll(() => {
    fake?.server.forceShutdown();
    older?.server.forceShutdown();
  });

  it('prints a table: the api without load, the worker with its runs of its slots and its heartbeat age', async () => {
    const res = await cli('workers');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^w-api\s+api\s+alive\s+api-0:7\s+cpu x1\s+-\s+[12]s ago\s+\d{4}-/);
    expect(lines[3]).toMatch(/^w-b\s+worker\s+alive\s+gpu-1:4121\s+onednn x8\s+1\/2\s+[23]s ago\s+\d{4}-/);
  });

  it('--all adds the lost worker; --json gives every field for scripts', async () => {
    const all = await cli('workers', '--all');
    expect(all.stdout).toMatch(/^w-a\s+worker\s+lost\s+gpu-0:88\s+onednn x8\s+0\/2\s+1m3\ds ago/m);
    const { workers } = JSON.parse((await cli('workers', '--all', '--json')).stdout);
    expect(workers.map((w: { id: string; role: string; state: string }) => [w.id, w.role, w.state])).toEqual([
      ['w-api', 'api', 'alive'],
      ['w-b', 'worker', 'alive'],
      ['w-a', 'worker', 'lost'],
    ]);
    expect(workers[1]).toMatchObject({ host: 'gpu-1', pid: 4121, backend: 'onednn', threads: 8, runIds: ['run-x'], slots: 2, startedAt: started.toISOString(), version: '0.1.0' });
  });

  it('watch prints the hand-over as one line and follows the run to its end', async () => {
    const res = await cli('watch', 'run-x');
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('run run-x moved from worker w-a to w-b: resumes after epoch 1 (worker w-a stopped sending heartbeats)\n');
    expect(res.stderr.indexOf('moved from worker')).toBeLessThan(res.stderr.indexOf('epoch 2/2'));
    expect(res.stdout).toMatch(/^status:\s+succeeded$/m);
    const lines = (await cli('watch', 'run-x', '--json-lines')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((l) => l.event?.handover)?.event.handover).toEqual({ fromWorker: 'w-a', toWorker: 'w-b', resumedAfterEpoch: 1, reason: 'worker w-a stopped sending heartbeats' });
  });

  it('a trainer without ListWorkers exits 1 and says so', async () => {
    const res = await runCli(['workers'], { env: { ADVLAB_TRAINER_ADDR: older.address } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: the trainer service at 127\.0\.0\.1:\d+ does not support this yet/);
  });
});
