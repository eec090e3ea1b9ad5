import * as grpc from '@grpc/grpc-js';
import {
  SERVER_INFO_SERVICE_NAME,
  ServerInfoServiceClient,
  Dataset,
  health,
  ImportDatasetRequest,
  ImportDatasetResponse,
  PredictRequest,
  PredictResponse,
  AdversarialTrainRequest,
  AttackConfig,
  AttackMethod,
  Norm,
  RunKind,
  RunStatus,
  type AdversarialTrainResponse,
  SweepRequest,
  type SweepResponse,
  type SweepTrial,
  TRAINER_SERVICE_NAME,
  TrainerServiceClient,
  TrainRequest,
  promiseClient,
  type ModelConfig,
  type PromiseClient,
  type Run,
  type RunEvent,
  type TrainingConfig,
  type TrainResponse,
} from '@advlab/contract';
import { ADVLAB_VERSION } from '@advlab/grpc-server';
import { listServicesByReflection, reflectionKnowsSymbol } from '@advlab/grpc-server/testing';
import { encodeRaw } from '@advlab/data/testing';
import * as fs from 'node:fs';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTrainerServer, type TrainerServer } from './server';
import { readAll, writeToyImageFolder } from './testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const { INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION } = grpc.status;

describe('trainer service (real server, real client)', () => {
  let dir: string;
  let server: TrainerServer;
  let client: TrainerServiceClient;
  let api: PromiseClient<TrainerServiceClient>;
  let dataset: Dataset;
  let modelId: string;
  let runId: string;
  let trainEvents: RunEvent[];

  const toyTrain = (o: { model?: Partial<ModelConfig>; training?: Partial<TrainingConfig>; name?: string; baseModelId?: string } = {}) =>
    TrainRequest.fromPartial({
      datasetId: dataset.id,
      model: { featureMaps: [4, 8], dropRate: 0, ...o.model },
      training: { epochs: 3, batchSize: 8, learningRate: 0.01, seed: 3, validationFraction: 0.2, ...o.training },
      name: o.name ?? 'toy',
      baseModelId: o.baseModelId ?? '',
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-trainer-'));
    await writeToyImageFolder(path.join(dir, 'toy'), { perClass: 20, size: 16 });
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [dir] } });
    client = new TrainerServiceClient(server.address, grpc.credentials.createInsecure());
    api = promiseClient(client);
  }, 60_000);

  afterAll(async () => {
    client.close();
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers SERVING and lists its services through reflection', async () => {
    const hc = new health.HealthClient(server.address, grpc.credentials.createInsecure());
    const res = await promiseClient(hc).check({ service: TRAINER_SERVICE_NAME });
    hc.close();
    expect(res.status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    expect(await listServicesByReflection(server.address)).toEqual([TRAINER_SERVICE_NAME, SERVER_INFO_SERVICE_NAME, 'grpc.health.v1.Health'].sort());
    await expect(reflectionKnowsSymbol(server.address, 'advlab.v1.TrainRequest')).resolves.toBe(true);
  });

  it('describes itself through GetServerInfo: backend, memory, load, no incidents', async () => {
    const infoClient = new ServerInfoServiceClient(server.address, grpc.credentials.createInsecure());
    const { info } = await promiseClient(infoClient).getServerInfo({});
    infoClient.close();
    expect(info).toMatchObject({ service: 'trainer', pid: process.pid, version: ADVLAB_VERSION });
    expect(info?.backend?.name).toBe(server.backend.name);
    expect(info?.memory?.rssBytes).toBeGreaterThan(0);
    expect(info?.memory?.tensors).toBe(tf.memory().numTensors);
    expect(info?.load).toMatchObject({ activeCalls: 0, runningRuns: server.manager.runningCount(), queuedRuns: 0 });
    expect(info?.incidents?.unhandledRejections).toBe(0);
  });

  it('lists the bundled Fashion-MNIST subset', async () => {
    const { datasets } = await api.listDatasets({});
    expect(datasets[0]).toMatchObject({ id: 'fashion-mnist-mini', builtin: true, imageSize: 28 });
    expect(datasets[0].classNames).toHaveLength(10);
    expect(datasets[0].trainCounts.reduce((a, b) => a + b, 0)).toBe(5000);
  });

  it('imports an ImageFolder with progress, listing the corrupt file it skipped', async () => {
    const messages = await readAll<ImportDatasetResponse>(
      client.importDataset(ImportDatasetRequest.fromPartial({ name: 'toy', source: { $case: 'imageFolder', value: path.join(dir, 'toy') }, imageSize: 16 })),
    );
    const last = messages[messages.length - 1].event;
    expect(last?.$case).toBe('dataset');
    dataset = (last as { value: Dataset }).value;
    expect(dataset).toMatchObject({ name: 'toy', imageSize: 16, classNames: ['blue', 'green', 'red'], trainCounts: [20, 20, 20] });
    expect(dataset.skipped).toEqual([expect.objectContaining({ path: path.join('red', 'broken.png') })]);
    const progress = messages.filter((m) => m.event?.$case === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(await api.getDataset({ datasetId: dataset.id })).toEqual({ dataset });
  }, 60_000);

  it('trains: streams created, running, epochs, checkpoints and finished, and stores the model', async () => {
    const responses = await readAll<TrainResponse>(client.train(toyTrain()));
    trainEvents = responses.map((r) => r.event as RunEvent);
    const cases = trainEvents.map((e) => e.event?.$case);
    expect(cases[0]).toBe('created');
    expect(cases).toContain('checkpoint');
    expect(cases.filter((c) => c === 'epoch')).toHaveLength(3);
    expect(cases[cases.length - 1]).toBe('finished');
    const stored = trainEvents.filter((e) => e.sequence > 0).map((e) => e.sequence);
    expect(stored).toEqual(stored.map((_, i) => i + 1));
    const finished = trainEvents[trainEvents.length - 1].event as { $case: 'finished'; value: { run?: { id: string; status: RunStatus }; model?: { id: string; numParameters: number } } };
    expect(finished.value.run?.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    modelId = finished.value.model?.id as string;
    runId = finished.value.run?.id as string;
    expect(modelId).toMatch(/^mdl-/);
    const { run } = await api.getRun({ runId });
    expect(run?.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(run?.training).toMatchObject({ epochs: 3, batchSize: 8, seed: 3, validationFraction: expect.closeTo(0.2, 6) });
    expect(run?.model?.featureMaps).toEqual([4, 8]);
    // The toy colours are easy: the best validation accuracy must be well above chance (1/3).
    expect(run?.bestValAccuracy).toBeGreaterThan(0.6);
    const { models } = await api.listModels({ pageSize: 0, pageToken: '', datasetId: '' });
    expect(models.map((m) => m.id)).toContain(modelId);
    expect(fs.existsSync(path.join(dir, 'data', 'checkpoints', `${modelId}.ckpt`))).toBe(true);
  }, 120_000);

  it('keeps the best epoch by validation accuracy for the checkpoint, the reported figures and the early stop', async () => {
    const responses = await readAll<TrainResponse>(client.train(toyTrain({ training: { epochs: 40, batchSize: 8, seed: 3, earlyStoppingPatience: 2 }, name: 'early' })));
    const events = responses.map((r) => r.event as RunEvent);
    const finished = events[events.length - 1].event as { $case: 'finished'; value: { run?: Run; model?: { valAccuracy: number; epoch: number } } };
    const history = finished.value.run?.history ?? [];
    const accuracies = history.map((h) => h.valAccuracy);
    const bestEpoch = accuracies.indexOf(Math.max(...accuracies)) + 1;
    // Stopped two epochs after the first epoch with the highest validation accuracy.
    expect(history.length).toBe(Math.min(40, bestEpoch + 2));
    expect(finished.value.model).toMatchObject({ epoch: bestEpoch, valAccuracy: Math.max(...accuracies) });
    expect(finished.value.run?.bestValAccuracy).toBe(Math.max(...accuracies));
    const checkpoints = events.flatMap((e) => (e.event?.$case === 'checkpoint' ? [e.event.value.epoch] : []));
    expect(checkpoints[checkpoints.length - 1]).toBe(bestEpoch);
  }, 120_000);

  it('evaluates: accuracy, per-class accuracy and a confusion matrix that add up', async () => {
    const res = await api.evaluate({ modelId, datasetId: '', split: 0, attacks: [], maxImages: 0, seed: 0 });
    expect(res.numImages).toBe(12); // 20% of 60, stratified
    expect(res.confusion?.counts.reduce((a, b) => a + b, 0)).toBe(12);
    const k = 3;
    const diagonal = [0, 1, 2].reduce((s, i) => s + (res.confusion?.counts[i * k + i] ?? 0), 0);
    expect(res.accuracy).toBeCloseTo(diagonal / 12, 6);
    expect(res.perClass.map((c) => c.support)).toEqual([4, 4, 4]);
    const { run } = await api.getRun({ runId });
    expect(res.accuracy).toBeCloseTo(run?.bestValAccuracy ?? -1, 5);
  }, 60_000);

  it('evaluates under FGSM and PGD: robust accuracy at most clean, sanity checks hold, worst case at most each', async () => {
    const res = await api.evaluate({
      modelId,
      datasetId: '',
      split: 0,
      attacks: [
        AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_FGSM, epsilon: 16 / 255 }),
        AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_PGD, epsilon: 16 / 255, stepSize: 4 / 255, steps: 5 }),
      ],
      maxImages: 0,
      seed: 1,
    });
    expect(res.robust).toHaveLength(2);
    for (const r of res.robust) {
      expect(r.numImages).toBe(12);
      expect(r.cleanAccuracy).toBeCloseTo(res.accuracy, 6);
      expect(r.robustAccuracy).toBeLessThanOrEqual(r.cleanAccuracy);
      expect(r.epsilonLabel).toBe('16/255');
      expect(r.sanity).toMatchObject({ withinBudget: true, eps0MatchesClean: true });
      expect(r.sanity?.maxPerturbation).toBeLessThanOrEqual(16 / 255 + 1e-6);
      expect(r.sanity?.minPixel).toBeGreaterThanOrEqual(0);
      expect(r.sanity?.maxPixel).toBeLessThanOrEqual(1);
    }
    expect(res.robust[1].attack).toMatchObject({ method: AttackMethod.ATTACK_METHOD_PGD, steps: 5, restarts: 1, randomStart: true });
    expect(res.worstCaseAccuracy).toBeLessThanOrEqual(Math.min(...res.robust.map((r) => r.robustAccuracy)) + 1e-9);
    const { model } = await api.getModel({ modelId });
    expect(model?.evaluations.map((e) => e.attack?.method)).toEqual([AttackMethod.ATTACK_METHOD_FGSM, AttackMethod.ATTACK_METHOD_PGD]);
  }, 120_000);

  it('attacks a split: result, robustness curve, and a gallery of PNG triples with a contact sheet', async () => {
    const res = await api.attack({
      modelId,
      datasetId: '',
      split: 0,
      attack: AttackConfig.fromPartial({ epsilon: 8 / 255, steps: 3, stepSize: 4 / 255 }),
      maxImages: 0,
      gallerySize: 6,
      seed: 2,
      amplification: 10,
      curveEpsilons: [0, 4 / 255, 16 / 255],
      contactSheet: true,
    });
    expect(res.result).toMatchObject({ numImages: 12, epsilonLabel: '8/255' });
    expect(res.result?.sanity?.eps0MatchesClean).toBe(true);
    expect(res.curve.map((p) => p.epsilon)).toEqual([0, expect.closeTo(4 / 255, 6), expect.closeTo(16 / 255, 6)]);
    expect(res.curve[0].accuracy).toBeCloseTo(res.result?.cleanAccuracy ?? -1, 6);
    expect(res.curve[2].accuracy).toBeLessThanOrEqual(res.curve[0].accuracy);
    expect(res.gallery).toHaveLength(6);
    for (const item of res.gallery) {
      for (const png of [item.cleanPng, item.adversarialPng, item.perturbationPng]) {
        const meta = await sharp(png).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['png', 16, 16]);
      }
      expect(item.trueLabel).toBe(dataset.classNames[item.trueClass]);
      expect(item.maxPerturbation).toBeLessThanOrEqual(8 / 255 + 1e-6);
      expect(item.success).toBe(item.clean?.classIndex === item.trueClass && item.adversarial?.classIndex !== item.trueClass);
    }
    expect((await sharp(res.contactSheetPng).metadata()).format).toBe('png');
  }, 120_000);

  it('adversarially trains from a stored model: robust accuracy per epoch, model keeps it', async () => {
    const responses = await readAll<AdversarialTrainResponse>(
      client.adversarialTrain(
        AdversarialTrainRequest.fromPartial({
          datasetId: dataset.id,
          baseModelId: modelId,
          training: { epochs: 2, batchSize: 8, learningRate: 0.005, seed: 6, validationFraction: 0.2 },
          adversarial: { attack: { steps: 2, stepSize: 4 / 255 }, evalAttack: { steps: 3 }, evalImages: 12 },
        }),
      ),
    );
    const events = responses.map((r) => r.event as RunEvent);
    const epochs = events.filter((e) => e.event?.$case === 'epoch').map((e) => (e.event as { value: { robustValAccuracy?: number } }).value);
    expect(epochs).toHaveLength(2);
    for (const e of epochs) expect(e.robustValAccuracy).toEqual(expect.any(Number));
    const finished = events[events.length - 1].event as { $case: string; value: { run?: { kind: RunKind; adversarial?: { attack?: { steps?: number } } }; model?: { robustAccuracy?: number; adversarial?: unknown } } };
    expect(finished.$case).toBe('finished');
    expect(finished.value.run?.kind).toBe(RunKind.RUN_KIND_ADVERSARIAL_TRAIN);
    expect(finished.value.run?.adversarial?.attack?.steps).toBe(2);
    expect(finished.value.model?.robustAccuracy).toBe(Math.max(...epochs.map((e) => e.robustValAccuracy as number)));
  }, 180_000);

  it('leaks no tensors across repeated Evaluate, Attack and Predict calls', async () => {
    const round = async () => {
      await api.evaluate({ modelId, datasetId: '', split: 0, attacks: [AttackConfig.fromPartial({ steps: 2 })], maxImages: 0, seed: 0 });
      await api.attack({ modelId, datasetId: '', split: 0, attack: AttackConfig.fromPartial({ steps: 2 }), maxImages: 0, gallerySize: 4, seed: 0, curveEpsilons: [0.01] });
      await readAll(client.predict(PredictRequest.fromPartial({ modelId, input: { $case: 'folder', value: path.join(dir, 'toy', 'red') } })));
    };
    await round(); // loads and caches the model's weights
    const before = tf.memory().numTensors;
    expect(before).toBeGreaterThan(0); // the service's engine: the cached model's weights live there
    await round();
    await round();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('answers 20 concurrent Evaluate calls with the same result, or RESOURCE_EXHAUSTED past the pool (2 running, 8 waiting)', async () => {
    const calls = Array.from({ length: 20 }, () => api.evaluate({ modelId, datasetId: '', split: 0, attacks: [], maxImages: 0, seed: 0 }));
    const outcomes = await Promise.allSettled(calls);
    const results = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as grpc.ServiceError] : []));
    expect(results.length).toBeGreaterThanOrEqual(10);
    expect(new Set(results.map((r) => `${r.accuracy}:${r.loss}:${r.confusion?.counts.join(',')}`)).size).toBe(1);
    expect(results.every((r) => r.numImages === 12)).toBe(true);
    for (const err of refused) expect(err).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/too busy: \d+ evaluations running and \d+ waiting/) });
  }, 120_000);

  it('respects deadlines: a call that runs out of time ends with DEADLINE_EXCEEDED and the service carries on', async () => {
    const withDeadline = api.evaluate({ modelId, datasetId: '', split: 0, attacks: [AttackConfig.fromPartial({ steps: 1000 })], maxImages: 0, seed: 0 }, undefined, {
      deadline: Date.now() + 300,
    });
    await expect(withDeadline).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    const after = await api.evaluate({ modelId, datasetId: '', split: 0, attacks: [], maxImages: 0, seed: 0 });
    expect(after.numImages).toBe(12);
  }, 60_000);

  it('predicts uploaded images, reporting an unreadable one without failing the others', async () => {
    const red = new Uint8Array(16 * 16 * 3).map((_, i) => [220, 30, 30][i % 3]);
    const responses = await readAll<PredictResponse>(
      client.predict(
        PredictRequest.fromPartial({
          modelId,
          topK: 2,
          input: {
            $case: 'images',
            value: { images: [{ id: 'red.png', data: await encodeRaw(red, 16, 16, 3, 'png') }, { id: 'junk.png', data: Buffer.from('nope') }] },
          },
        }),
      ),
    );
    const predictions = responses.flatMap((r) => r.predictions);
    expect(predictions.map((p) => p.id)).toEqual(['red.png', 'junk.png']);
    expect(predictions[0].prediction?.label).toBe('red');
    expect(predictions[0].prediction?.topK).toHaveLength(2);
    expect(predictions[1].error).not.toBe('');
    expect(responses[responses.length - 1]).toMatchObject({ done: 2, total: 2 });
  }, 60_000);

  it('predicts a folder: ids are file names, bad files are reported', async () => {
    const folder = path.join(dir, 'unlabeled');
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(dir, 'toy', 'green', '1.png'), path.join(folder, 'a.png'));
    fs.copyFileSync(path.join(dir, 'toy', 'blue', '2.png'), path.join(folder, 'b.png'));
    fs.writeFileSync(path.join(folder, 'c.png'), '');
    const responses = await readAll<PredictResponse>(client.predict(PredictRequest.fromPartial({ modelId, input: { $case: 'folder', value: folder } })));
    const predictions = responses.flatMap((r) => r.predictions);
    expect(predictions.map((p) => p.id).sort()).toEqual(['a.png', 'b.png', 'c.png']);
    expect(predictions.find((p) => p.id === 'a.png')?.prediction?.label).toBe('green');
    expect(predictions.find((p) => p.id === 'c.png')?.error).not.toBe('');
  }, 60_000);

  it('samples dataset images as PNGs, and augments them as training would', async () => {
    const plain = await api.sampleDataset({ datasetId: 'fashion-mnist-mini', split: 0, count: 12, seed: 1, augmentation: undefined });
    expect(plain.samples).toHaveLength(12);
    expect(plain.classNames).toHaveLength(10);
    for (const s of plain.samples) {
      expect(s.png.subarray(1, 4).toString()).toBe('PNG');
      expect(Object.values(s.labelWeights)).toEqual([1]);
      expect(s.label).toBe(plain.classNames[s.classIndex]);
    }
    const again = await api.sampleDataset({ datasetId: 'fashion-mnist-mini', split: 0, count: 12, seed: 1, augmentation: undefined });
    expect(again.samples.map((s) => s.index)).toEqual(plain.samples.map((s) => s.index));
    const mixed = await api.sampleDataset({
      datasetId: 'fashion-mnist-mini',
      split: 0,
      count: 12,
      seed: 1,
      augmentation: { mix: { $case: 'cutmix', value: { alpha: 1 } }, horizontalFlip: true, colorJitter: 0.2 },
    });
    for (const s of mixed.samples) {
      const w = Object.values(s.labelWeights);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(mixed.samples.some((s) => Object.keys(s.labelWeights).length === 2)).toBe(true);
    await expect(api.sampleDataset({ datasetId: 'fashion-mnist-mini', split: 0, count: 999, seed: 0, augmentation: undefined })).rejects.toMatchObject({
      code: INVALID_ARGUMENT,
    });
  });

  it('replays a finished run to a late watcher', async () => {
    const replay = await readAll(client.watchRun({ runId, afterSequence: 0 }));
    const stored = trainEvents.filter((e) => e.sequence > 0);
    expect(replay.map((r) => r.event?.sequence)).toEqual(stored.map((e) => e.sequence));
  });

  it('cancels a running run at its next batch; the run keeps going when its client leaves', async () => {
    const stream = client.train(toyTrain({ training: { epochs: 1000, batchSize: 2, seed: 4 }, name: 'long' }));
    // Leave as soon as the first epoch is done: the run must go on without this client.
    const longId = await new Promise<string>((resolve, reject) => {
      stream.on('data', (r: TrainResponse) => r.event?.event?.$case === 'epoch' && resolve(r.event.runId));
      stream.on('error', reject);
    });
    stream.cancel();
    stream.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect((await api.getRun({ runId: longId })).run?.status).toBe(RunStatus.RUN_STATUS_RUNNING);
    const watcher = readAll(client.watchRun({ runId: longId, afterSequence: 0 }));
    await api.cancelRun({ runId: longId });
    const events = await watcher;
    expect(events[events.length - 1].event?.event?.$case).toBe('cancelled');
    expect((await api.getRun({ runId: longId })).run?.status).toBe(RunStatus.RUN_STATUS_CANCELLED);
    await expect(api.cancelRun({ runId: longId })).rejects.toMatchObject({ code: FAILED_PRECONDITION });
  }, 60_000);

  describe('bad requests get a readable status and lose nothing', () => {
    const trainError = async (request: TrainRequest) => {
      const err = await readAll(client.train(request)).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
      return err;
    };
    it.each([
      ['no dataset', () => TrainRequest.fromPartial({}), INVALID_ARGUMENT, /dataset_id is required/],
      ['unknown dataset', () => TrainRequest.fromPartial({ datasetId: 'ds-nope' }), NOT_FOUND, /dataset "ds-nope" not found/],
      ['zero epochs', () => toyTrain({ training: { epochs: 0 } }), INVALID_ARGUMENT, /training\.epochs must be an integer in \[1, 1000\], got 0/],
      ['negative learning rate', () => toyTrain({ training: { learningRate: -1 } }), INVALID_ARGUMENT, /training\.learning_rate/],
      ['drop rate 1', () => toyTrain({ model: { featureMaps: [4, 8], dropRate: 1 } }), INVALID_ARGUMENT, /model\.drop_rate/],
      ['too many poolings', () => toyTrain({ model: { featureMaps: [4, 4, 4, 4, 4, 4] } }), INVALID_ARGUMENT, /model\.image_size 16 is not divisible/],
      ['unknown base model', () => toyTrain({ baseModelId: 'mdl-nope' }), NOT_FOUND, /model "mdl-nope" not found/],
    ])('Train with %s', async (_name, request, code, message) => {
      const err = await trainError(request());
      expect(err?.code).toBe(code);
      expect(err?.details).toMatch(message);
    });

    it.each([
      ['GetRun unknown', () => api.getRun({ runId: 'run-nope' }), NOT_FOUND],
      ['GetRun empty', () => api.getRun({ runId: '' }), INVALID_ARGUMENT],
      ['CancelRun unknown', () => api.cancelRun({ runId: 'run-nope' }), NOT_FOUND],
      ['GetModel unknown', () => api.getModel({ modelId: 'mdl-nope' }), NOT_FOUND],
      ['DeleteModel unknown', () => api.deleteModel({ modelId: 'mdl-nope' }), NOT_FOUND],
      ['GetDataset unknown', () => api.getDataset({ datasetId: 'ds-nope' }), NOT_FOUND],
      ['ListRuns huge page', () => api.listRuns({ pageSize: 100000, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: false }), INVALID_ARGUMENT],
      ['ListModels bad token', () => api.listModels({ pageSize: 0, pageToken: 'xyz', datasetId: '' }), INVALID_ARGUMENT],
      ['Evaluate unknown model', () => api.evaluate({ modelId: 'mdl-nope', datasetId: '', split: 0, attacks: [], maxImages: 0, seed: 0 }), NOT_FOUND],
      ['Evaluate on a test split the dataset lacks', () => api.evaluate({ modelId, datasetId: '', split: 3, attacks: [], maxImages: 0, seed: 0 }), INVALID_ARGUMENT],
      ['Evaluate on another dataset\'s classes', () => api.evaluate({ modelId, datasetId: 'fashion-mnist-mini', split: 0, attacks: [], maxImages: 0, seed: 0 }), INVALID_ARGUMENT],
    ])('%s', async (_name, request, code) => {
      await expect(request()).rejects.toMatchObject({ code });
    });

    it.each([
      ['a missing folder', ImportDatasetRequest.fromPartial({ name: 'x', source: { $case: 'imageFolder', value: 'nonexistent/folder' } }), NOT_FOUND],
      ['a folder outside the import roots', ImportDatasetRequest.fromPartial({ name: 'x', source: { $case: 'imageFolder', value: '/etc' } }), grpc.status.PERMISSION_DENIED],
      ['a path climbing out of the roots', ImportDatasetRequest.fromPartial({ name: 'x', source: { $case: 'imageFolder', value: '../..' } }), grpc.status.PERMISSION_DENIED],
      ['a missing IDX file', ImportDatasetRequest.fromPartial({ name: 'x', source: { $case: 'idx', value: { trainImages: 'none.gz', trainLabels: 'none.gz' } } }), NOT_FOUND],
      ['a bad name', ImportDatasetRequest.fromPartial({ name: 'a b/c', source: { $case: 'imageFolder', value: '/tmp' } }), INVALID_ARGUMENT],
      ['no source', ImportDatasetRequest.fromPartial({ name: 'x' }), INVALID_ARGUMENT],
    ])('ImportDataset with %s', async (_name, request, code) => {
      await expect(readAll(client.importDataset(request))).rejects.toMatchObject({ code });
    });

    it.each([
      ['eps above 1', { epsilon: 2 }, /attack\.epsilon must be in \[0, 1\], got 2/],
      ['a target class the model lacks', { targetClass: 5 }, /attack\.target_class must be in \[0, 2\], got 5/],
      ['zero steps', { steps: 0 }, /attack\.steps must be an integer in \[1, 1000\]/],
    ])('Attack with %s', async (_name, attack, message) => {
      await expect(
        api.attack({ modelId, datasetId: '', split: 0, attack: AttackConfig.fromPartial(attack), maxImages: 0, gallerySize: 0, seed: 0, curveEpsilons: [] }),
      ).rejects.toMatchObject({ code: INVALID_ARGUMENT, details: expect.stringMatching(message) });
    });

    it('Attack with an oversized gallery, and AdversarialTrain with an L2 attack', async () => {
      await expect(api.attack({ modelId, datasetId: '', split: 0, attack: undefined, maxImages: 0, gallerySize: 500, seed: 0, curveEpsilons: [] })).rejects.toMatchObject({
        code: INVALID_ARGUMENT,
        details: 'gallery_size must be an integer in [0, 100], got 500',
      });
      await expect(
        readAll(client.adversarialTrain(AdversarialTrainRequest.fromPartial({ datasetId: dataset.id, adversarial: { attack: { norm: Norm.NORM_L2 } } }))),
      ).rejects.toMatchObject({ code: INVALID_ARGUMENT, details: expect.stringContaining('adversarial.attack.norm') });
    });

    it('Predict with top_k beyond the classes, or too many images', async () => {
      await expect(readAll(client.predict(PredictRequest.fromPartial({ modelId, topK: 4, input: { $case: 'folder', value: dir } })))).rejects.toMatchObject({
        code: INVALID_ARGUMENT,
        details: 'top_k must be in [1, 3], got 4',
      });
      const many = Array.from({ length: 1025 }, (_, i) => ({ id: String(i), data: Buffer.alloc(1) }));
      await expect(readAll(client.predict(PredictRequest.fromPartial({ modelId, input: { $case: 'images', value: { images: many } } })))).rejects.toMatchObject({
        code: INVALID_ARGUMENT,
      });
    });

    it('and afterwards the service and its stored model are intact', async () => {
      const { model } = await api.getModel({ modelId });
      expect(model?.id).toBe(modelId);
      const res = await api.evaluate({ modelId, datasetId: '', split: 0, attacks: [], maxImages: 0, seed: 0 });
      expect(res.numImages).toBe(12);
    });
  });

  it('sweeps a grid: each trial a child run, results streamed with ranks', async () => {
    const responses = await readAll<SweepResponse>(
      client.sweep(
        SweepRequest.fromPartial({
          datasetId: dataset.id,
          model: { featureMaps: [4, 8], dropRate: 0 },
          training: { epochs: 1, batchSize: 8, seed: 5, validationFraction: 0.2 },
          sweep: { axes: [{ path: 'training.learning_rate', values: ['0.01', '0.001'] }, { path: 'model.use_skip', values: ['true', 'false'] }] },
        }),
      ),
    );
    const events = responses.map((r) => r.event as RunEvent);
    const trials = events.filter((e) => e.event?.$case === 'trial').map((e) => (e.event as { value: SweepTrial }).value);
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    expect(trials.every((t) => t.total === 4 && t.status === RunStatus.RUN_STATUS_SUCCEEDED && t.modelId)).toBe(true);
    expect(trials.every((t) => t.valLoss > 0)).toBe(true);
    expect(trials[3].overrides).toEqual({ 'training.learning_rate': '0.001', 'model.use_skip': 'false' });
    expect(events[events.length - 1].event?.$case).toBe('finished');
    const sweepId = events[0].runId;
    const { run } = await api.getRun({ runId: sweepId });
    expect(run?.kind).toBe(RunKind.RUN_KIND_SWEEP);
    expect(run?.trials.map((t) => t.runId).sort()).toEqual(trials.map((t) => t.runId).sort());
    expect(run?.bestValAccuracy).toBe(Math.max(...trials.map((t) => t.valAccuracy)));
    const children = await api.listRuns({ pageSize: 50, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: true });
    expect(children.runs.filter((r) => r.parentRunId === sweepId)).toHaveLength(4);
    const topLevel = await api.listRuns({ pageSize: 50, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: false });
    expect(topLevel.runs.some((r) => r.parentRunId === sweepId)).toBe(false);
  }, 120_000);

  it('refuses a sweep axis that is not JSON before running anything', async () => {
    await expect(
      readAll(client.sweep(SweepRequest.fromPartial({ datasetId: dataset.id, sweep: { axes: [{ path: 'training.epochs', values: ['two'] }] } }))),
    ).rejects.toMatchObject({ code: INVALID_ARGUMENT, details: expect.stringContaining('sweep.axes[0].values[0] is not JSON') });
  });

  it('deletes a model and its checkpoint', async () => {
    const responses = await readAll<TrainResponse>(client.train(toyTrain({ training: { epochs: 1, batchSize: 8, seed: 9 } })));
    const finished = responses[responses.length - 1].event?.event as { $case: 'finished'; value: { model?: { id: string } } };
    const id = finished.value.model?.id as string;
    const file = path.join(dir, 'data', 'checkpoints', `${id}.ckpt`);
    expect(fs.existsSync(file)).toBe(true);
    await api.deleteModel({ modelId: id });
    expect(fs.existsSync(file)).toBe(false);
    await expect(api.getModel({ modelId: id })).rejects.toMatchObject({ code: NOT_FOUND });
  }, 60_000);
});
