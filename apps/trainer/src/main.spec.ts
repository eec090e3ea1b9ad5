import * as grpc from '@grpc/grpc-js';
import {
  Dataset,
  health,
  ImportDatasetRequest,
  promiseClient,
  RunStatus,
  TRAINER_SERVICE_NAME,
  TrainerServiceClient,
  TrainRequest,
  type ImportDatasetResponse,
  type TrainResponse,
} from '@advlab/contract';
import { spawnUntil, type SpawnedProcess } from '@advlab/grpc-server/testing';
import { readAll, writeToyImageFolder } from '@advlab/trainer-service/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const main = path.join(__dirname, 'main.ts');

/** Every trainer a test started; killed after each test, passed or failed, so none outlives the suite. */
const started: SpawnedProcess[] = [];

async function startTrainer(dataDir: string): Promise<SpawnedProcess> {
  const proc = await spawnUntil(process.execPath, ['--import', 'tsx', main], {
    env: { ADVLAB_TRAINER_HOST: '127.0.0.1', ADVLAB_TRAINER_PORT: '0', ADVLAB_DATA_DIR: dataDir, ADVLAB_IMPORT_ROOTS: path.dirname(dataDir) },
    ready: /trainer listening on (127\.0\.0\.1:\d+)/,
    timeoutMs: 60_000,
  });
  started.push(proc);
  return proc;
}

afterEach(async () => {
  for (const proc of started.splice(0)) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  }
});

describe('trainer process', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-trainer-app-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('listens where configured, serves health, and exits 0 on SIGTERM', async () => {
    const proc = await startTrainer(path.join(dir, 'a'));
    const hc = new health.HealthClient(proc.match[1], grpc.credentials.createInsecure());
    const res = await promiseClient(hc).check({ service: TRAINER_SERVICE_NAME });
    hc.close();
    expect(res.status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('SIGTERM: shutting down');
  }, 90_000);

  it('refuses an invalid port with a readable message and exit code 1', async () => {
    await expect(
      spawnUntil(process.execPath, ['--import', 'tsx', main], { env: { ADVLAB_TRAINER_PORT: 'eighty', ADVLAB_DATA_DIR: path.join(dir, 'b') }, ready: /listening/, timeoutMs: 60_000 }),
    ).rejects.toThrow(/exited \(1\)[\s\S]*ADVLAB_TRAINER_PORT must be an integer in \[0, 65535\], got "eighty"/);
  }, 90_000);

  it('survives a kill mid-run: the run is marked interrupted, finished models still load', async () => {
    const dataDir = path.join(dir, 'crash');
    await writeToyImageFolder(path.join(dir, 'toy'), { perClass: 12, size: 16 });
    let proc = await startTrainer(dataDir);
    let client = new TrainerServiceClient(proc.match[1], grpc.credentials.createInsecure());
    const imported = await readAll<ImportDatasetResponse>(
      client.importDataset(ImportDatasetRequest.fromPartial({ name: 'toy', source: { $case: 'imageFolder', value: path.join(dir, 'toy') }, imageSize: 16 })),
    );
    const dataset = (imported[imported.length - 1].event as { value: Dataset }).value;
    const request = (epochs: number) =>
      TrainRequest.fromPartial({ datasetId: dataset.id, model: { featureMaps: [4, 8] }, training: { epochs, batchSize: 4, seed: 2, validationFraction: 0.25 } });
    const done = await readAll<TrainResponse>(client.train(request(1)));
    const finished = done[done.length - 1].event?.event as { $case: 'finished'; value: { model?: { id: string } } };
    const modelId = finished.value.model?.id as string;

    // A long run, killed without warning once it has started its epochs.
    const stream = client.train(request(1000));
    stream.on('error', () => undefined);
    const runId = await new Promise<string>((resolve) => stream.on('data', (r: TrainResponse) => r.event?.event?.$case === 'epoch' && resolve(r.event.runId)));
    proc.child.kill('SIGKILL');
    await proc.exited;
    client.close();
    // What a kill during a checkpoint write leaves: a temporary file, and a checkpoint no model points to.
    fs.writeFileSync(path.join(dataDir, 'checkpoints', 'mdl-cut.ckpt.999.0a1b2c3d.tmp'), 'partial');
    fs.writeFileSync(path.join(dataDir, 'checkpoints', 'mdl-unregistered.ckpt'), 'never registered');

    proc = await startTrainer(dataDir);
    client = new TrainerServiceClient(proc.match[1], grpc.credentials.createInsecure());
    const api = promiseClient(client);
    expect(proc.output()).toMatch(/1 run\(s\) were cut short/);
    const { run } = await api.getRun({ runId });
    expect(run?.status).toBe(RunStatus.RUN_STATUS_INTERRUPTED);
    expect(run?.history.length).toBeGreaterThanOrEqual(1);
    const evaluation = await api.evaluate({ modelId, datasetId: '', split: 0, attacks: [], maxImages: 0, seed: 0 });
    expect(evaluation.numImages).toBe(9);
    const { models } = await api.listModels({ pageSize: 0, pageToken: '', datasetId: '' });
    expect(models.map((m) => m.id)).toEqual([modelId]);
    // Whatever the killed run was writing is cleaned up: only the registered model's checkpoint remains.
    expect(fs.readdirSync(path.join(dataDir, 'checkpoints'))).toEqual([`${modelId}.ckpt`]);
    client.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 180_000);
});
