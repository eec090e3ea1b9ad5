/**
 * The notebook's whole flow, small, on the bundled Fashion-MNIST subset, through a real
 * server and client: train with cross-entropy, Mixup, CutMix and the one-versus-all loss;
 * evaluate; attack with the 20-image gallery; adversarially train; predict a folder.
 */
import * as grpc from '@grpc/grpc-js';
import {
  AdversarialTrainRequest,
  AttackConfig,
  AttackMethod,
  LossKind,
  PredictRequest,
  promiseClient,
  RunStatus,
  TrainerServiceClient,
  TrainRequest,
  type AugmentationConfig,
  type PredictResponse,
  type PromiseClient,
  type RunEvent,
  type TrainResponse,
} from '@advlab/contract';
import { encodePng, loadBundledDataset } from '@advlab/data';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTrainerServer, type TrainerServer } from './server';
import { readAll } from './testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const DATASET = 'fashion-mnist-mini';

describe('the notebook flow on the bundled data', () => {
  let dir: string;
  let server: TrainerServer;
  let client: TrainerServiceClient;
  let api: PromiseClient<TrainerServiceClient>;
  const models: Record<string, { id: string; valAccuracy: number }> = {};

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-flow-'));
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [dir] } });
    client = new TrainerServiceClient(server.address, grpc.credentials.createInsecure());
    api = promiseClient(client);
  }, 60_000);
  afterAll(async () => {
    client.close();
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const train = async (name: string, loss: LossKind, mix?: AugmentationConfig['mix']) => {
    const responses = await readAll<TrainResponse>(
      client.train(
        TrainRequest.fromPartial({
          datasetId: DATASET,
          name,
          model: { featureMaps: [8, 16], dropRate: 0 },
          training: { epochs: 2, batchSize: 64, learningRate: 0.005, seed: 1234, loss, augmentation: { mix, horizontalFlip: true, colorJitter: 0.2 } },
        }),
      ),
    );
    const end = responses[responses.length - 1].event as RunEvent;
    expect(end.event?.$case).toBe('finished');
    const model = (end.event as { value: { model?: { id: string; valAccuracy: number } } }).value.model;
    models[name] = model as { id: string; valAccuracy: number };
    return model as { id: string; valAccuracy: number };
  };

  // Chance is 10%. Mixing targets slows the first epochs down (each batch teaches blends of two
  // classes), so after 2 epochs the mixed runs are held to three times chance, the others to four.
  it.each([
    ['cross-entropy', LossKind.LOSS_KIND_CROSS_ENTROPY, undefined, 0.4],
    ['mixup', LossKind.LOSS_KIND_CROSS_ENTROPY, { $case: 'mixup' as const, value: { alpha: 0.4 } }, 0.3],
    ['cutmix', LossKind.LOSS_KIND_CROSS_ENTROPY, { $case: 'cutmix' as const, value: { alpha: 1 } }, 0.3],
    ['one-versus-all', LossKind.LOSS_KIND_ONE_VS_ALL, undefined, 0.4],
  ])('trains with %s well above chance (10 classes)', async (name, loss, mix, floor) => {
    const model = await train(name, loss, mix);
    expect(model.valAccuracy).toBeGreaterThan(floor);
  }, 900_000);

  it('evaluates the best model on the test split with a confusion matrix', async () => {
    const best = Object.values(models).sort((a, b) => b.valAccuracy - a.valAccuracy)[0];
    const res = await api.evaluate({ modelId: best.id, datasetId: '', split: 0, attacks: [], maxImages: 0, seed: 0 });
    expect(res.split).toBe(3); // the bundled set has a test split
    expect(res.numImages).toBe(1000);
    expect(res.confusion?.counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(res.perClass.every((c) => c.support === 100)).toBe(true);
    expect(res.accuracy).toBeGreaterThan(0.4);
  }, 600_000);

  it('attacks it: PGD-20 cuts accuracy well below clean, and the gallery has the 20 pairs', async () => {
    const modelId = models['cross-entropy'].id;
    const res = await api.attack({
      modelId,
      datasetId: '',
      split: 0,
      attack: AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_PGD }), // the notebook's PGD-20, eps 8/255, step 0.002
      maxImages: 200,
      gallerySize: 20,
      seed: 1,
      curveEpsilons: [],
    });
    expect(res.result?.numImages).toBe(200);
    expect(res.result?.robustAccuracy).toBeLessThan(0.6 * (res.result?.cleanAccuracy ?? 0));
    expect(res.result?.sanity).toMatchObject({ withinBudget: true, eps0MatchesClean: true });
    expect(res.gallery).toHaveLength(20);
    expect(res.contactSheetPng.length).toBeGreaterThan(1000);
  }, 900_000);

  it('adversarially trains from the clean model: robust accuracy goes up', async () => {
    const base = models['cross-entropy'].id;
    const pgd = AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_PGD, steps: 5, stepSize: 2 / 255 });
    const before = await api.evaluate({ modelId: base, datasetId: '', split: 2, attacks: [pgd], maxImages: 200, seed: 3 });
    const responses = await readAll(
      client.adversarialTrain(
        AdversarialTrainRequest.fromPartial({
          datasetId: DATASET,
          baseModelId: base,
          training: { epochs: 1, batchSize: 64, learningRate: 0.002, seed: 1234 },
          adversarial: { attack: { method: AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START }, evalAttack: { steps: 5 }, evalImages: 100 },
        }),
      ),
    );
    const end = responses[responses.length - 1].event?.event as { $case: string; value: { model?: { id: string } } };
    expect(end.$case).toBe('finished');
    const after = await api.evaluate({ modelId: end.value.model?.id as string, datasetId: '', split: 2, attacks: [pgd], maxImages: 200, seed: 3 });
    expect(after.robust[0].robustAccuracy).toBeGreaterThan(before.robust[0].robustAccuracy);
  }, 900_000);

  it('predicts a held-out folder', async () => {
    const folder = path.join(dir, 'leaderboard');
    fs.mkdirSync(folder);
    const { test } = await loadBundledDataset();
    const per = 28 * 28 * 3;
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(folder, `img_${String(i).padStart(3, '0')}.png`), await encodePng(test.pixels.subarray(i * per, (i + 1) * per), 28, 28));
    const chunks = await readAll<PredictResponse>(client.predict(PredictRequest.fromPartial({ modelId: models['cross-entropy'].id, input: { $case: 'folder', value: folder } })));
    const predictions = chunks.flatMap((c) => c.predictions);
    expect(predictions).toHaveLength(30);
    expect(predictions[0].id).toBe('img_000.png');
    const correct = predictions.filter((p, i) => p.prediction?.classIndex === test.labels[i]).length;
    expect(correct / 30).toBeGreaterThan(0.3);
    const { runs } = await api.listRuns({ pageSize: 50, pageToken: '', status: RunStatus.RUN_STATUS_SUCCEEDED, kind: 0, datasetId: DATASET, includeTrials: false });
    expect(runs.length).toBe(5);
  }, 600_000);
});
