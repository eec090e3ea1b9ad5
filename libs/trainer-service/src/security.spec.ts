/**
 * What a client can make the trainer read, and how much work it can pile up: files only under
 * the import roots, the server's pixel limit as a ceiling, bounded uploads, a bounded run queue.
 */
import {
  Dataset,
  ImportDatasetRequest,
  PredictRequest,
  promiseClient,
  TrainerServiceClient,
  TrainRequest,
  type ImportDatasetResponse,
  type PromiseClient,
  type TrainResponse,
} from '@advlab/contract';
import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { startTrainerServer, type TrainerServer } from './server';
import { readAll, writeToyImageFolder } from './testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const { PERMISSION_DENIED, INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED } = grpc.status;

describe('trainer service: files and bounds', () => {
  let dir: string;
  let roots: string;
  let server: TrainerServer;
  let client: TrainerServiceClient;
  let api: PromiseClient<TrainerServiceClient>;
  let dataset: Dataset;
  let modelId: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-security-'));
    roots = path.join(dir, 'imports');
    await writeToyImageFolder(path.join(roots, 'toy'), { perClass: 8, size: 16 });
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [roots] }, maxQueuedRuns: 1 });
    client = new TrainerServiceClient(server.address, grpc.credentials.createInsecure());
    api = promiseClient(client);
    const imported = await readAll<ImportDatasetResponse>(
      client.importDataset(ImportDatasetRequest.fromPartial({ name: 'toy', source: { $case: 'imageFolder', value: 'toy' }, imageSize: 16 })),
    );
    dataset = imported[imported.length - 1].event?.value as Dataset;
    const trained = await readAll<TrainResponse>(client.train(TrainRequest.fromPartial({ datasetId: dataset.id, model: { featureMaps: [4, 8] }, training: { epochs: 1, batchSize: 8 } })));
    const last = trained[trained.length - 1].event?.event as { $case: 'finished'; value: { model?: { id: string } } };
    modelId = last.value.model?.id as string;
  }, 120_000);

  afterAll(async () => {
    client.close();
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const importStatus = async (request: Partial<ImportDatasetRequest>) => {
    const messages: ImportDatasetResponse[] = [];
    try {
      messages.push(...(await readAll<ImportDatasetResponse>(client.importDataset(ImportDatasetRequest.fromPartial(request)))));
      return { code: grpc.status.OK, details: '', messages };
    } catch (err) {
      const e = err as grpc.ServiceError;
      return { code: e.code, details: e.details, messages };
    }
  };

  it('refuses a symbolic link inside the roots that leads out, as a folder or as an IDX file, listing nothing', async () => {
    fs.symlinkSync('/etc', path.join(roots, 'etc'));
    fs.symlinkSync('/dev/zero', path.join(roots, 'zero.idx'));
    const folder = await importStatus({ name: 'etc', source: { $case: 'imageFolder', value: 'etc' } });
    expect(folder).toMatchObject({ code: PERMISSION_DENIED, messages: [] });
    expect(folder.details).toMatch(/^etc is outside the folders this server reads for clients; put it under /);
    const idx = await importStatus({ name: 'zero', source: { $case: 'idx', value: { trainImages: 'zero.idx', trainLabels: 'zero.idx', testImages: '', testLabels: '', classNames: [], maxPerClass: 0 } } });
    expect(idx).toMatchObject({ code: PERMISSION_DENIED, messages: [] });
  });

  it('refuses a FIFO inside the roots as an IDX file without opening it', async () => {
    execFileSync('mkfifo', [path.join(roots, 'pipe.idx')]);
    const idx = await importStatus({ name: 'pipe', source: { $case: 'idx', value: { trainImages: 'pipe.idx', trainLabels: 'pipe.idx', testImages: '', testLabels: '', classNames: [], maxPerClass: 0 } } });
    expect(idx).toMatchObject({ code: INVALID_ARGUMENT, details: 'pipe.idx: not a regular file', messages: [] });
  });

  it('reports skipped files with paths relative to the imported folder, links out of the root among them', async () => {
    const folder = path.join(roots, 'leaky');
    fs.cpSync(path.join(roots, 'toy'), folder, { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(folder, 'red', 'passwd.png'));
    const outcome = await importStatus({ name: 'leaky', source: { $case: 'imageFolder', value: 'leaky' }, imageSize: 16 });
    expect(outcome.code).toBe(grpc.status.OK);
    const imported = outcome.messages[outcome.messages.length - 1].event?.value as Dataset;
    expect(imported.skipped).toContainEqual({ path: 'red/passwd.png', reason: expect.stringMatching(/^outside-root/) });
    for (const s of imported.skipped) expect(s.path).not.toMatch(/^\//);
  });

  it('keeps its pixel limit when a request asks for more: a 12000x12000 PNG is skipped as too large', async () => {
    const folder = path.join(roots, 'huge');
    fs.cpSync(path.join(roots, 'toy'), folder, { recursive: true });
    const big = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png({ compressionLevel: 9 }).toBuffer();
    fs.writeFileSync(path.join(folder, 'red', 'huge.png'), big);
    const outcome = await importStatus({ name: 'huge', source: { $case: 'imageFolder', value: 'huge' }, imageSize: 16, maxPixels: 200_000_000 });
    expect(outcome.code).toBe(grpc.status.OK);
    const imported = outcome.messages[outcome.messages.length - 1].event?.value as Dataset;
    expect(imported.skipped).toContainEqual({ path: 'red/huge.png', reason: expect.stringMatching(/^too-large: .*pixel limit/) });
  }, 60_000);

  it('predicts only folders inside the roots: /proc/self and ../.. are refused, a missing one is NOT_FOUND', async () => {
    for (const [folder, code] of [
      ['/proc/self', PERMISSION_DENIED],
      ['../..', PERMISSION_DENIED],
      ['nothing-here', NOT_FOUND],
    ] as const) {
      await expect(readAll(client.predict(PredictRequest.fromPartial({ modelId, input: { $case: 'folder', value: folder } })))).rejects.toMatchObject({ code });
    }
  });

  it('refuses an uploaded image over 16 MiB with INVALID_ARGUMENT naming the field', async () => {
    const images = [{ id: 'ok', data: Buffer.alloc(10) }, { id: 'big', data: Buffer.alloc(16 * 1024 * 1024 + 1) }];
    await expect(readAll(client.predict(PredictRequest.fromPartial({ modelId, input: { $case: 'images', value: { images } } })))).rejects.toMatchObject({
      code: INVALID_ARGUMENT,
      details: expect.stringMatching(/^images\[1\]\.data is 16777217 bytes; an image may have at most 16777216/),
    });
  });

  it('bounds the run queue: past it, RESOURCE_EXHAUSTED says how many are waiting', async () => {
    const long = () => client.train(TrainRequest.fromPartial({ datasetId: dataset.id, model: { featureMaps: [4, 8] }, training: { epochs: 200, batchSize: 8 } }));
    const running = long();
    const queued = long();
    for (const s of [running, queued]) s.on('error', () => undefined);
    const first = await new Promise<string>((resolve) => running.on('data', (r: TrainResponse) => r.event?.runId && resolve(r.event.runId)));
    const second = await new Promise<string>((resolve) => queued.on('data', (r: TrainResponse) => r.event?.runId && resolve(r.event.runId)));
    await expect(readAll(long())).rejects.toMatchObject({
      code: RESOURCE_EXHAUSTED,
      details: 'the run queue is full: 1 run waiting and 1 running (at most 1 wait); cancel some or try again when one ends',
    });
    await api.cancelRun({ runId: second });
    await api.cancelRun({ runId: first });
    running.cancel();
    queued.cancel();
    await server.manager.whenIdle();
  }, 120_000);
});
