import * as grpc from '@grpc/grpc-js';
import {
  AdversarialTrainRequest,
  AttackConfig,
  AttackMethod,
  AutoAttackVersion,
  EvaluateRequest,
  ImportDatasetRequest,
  LossKind,
  promiseClient,
  TrainerServiceClient,
  TrainRequest,
  type EvaluateProgress,
  type EvaluateStreamResponse,
  type ImportDatasetResponse,
  type PromiseClient,
  type TrainResponse,
} from '@advlab/contract';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTrainerServer, type TrainerServer } from './server';
import { readAll, writeToyImageFolder } from './testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const { INVALID_ARGUMENT } = grpc.status;

describe('APGD, Square and AutoAttack through the trainer service (real server, real client)', () => {
  let dir: string;
  let server: TrainerServer;
  let client: TrainerServiceClient;
  let api: PromiseClient<TrainerServiceClient>;
  let modelId: string;
  let datasetId: string;
  const eps = 16 / 255;
  const pgd = AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_PGD, epsilon: eps, stepSize: 4 / 255, steps: 5 });
  const autoattackFast = AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_AUTOATTACK, epsilon: eps, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST, queries: 100 });
  const request = (attacks: AttackConfig[]) => EvaluateRequest.fromPartial({ modelId, attacks, seed: 1 });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-autoattack-'));
    await writeToyImageFolder(path.join(dir, 'toy'), { perClass: 20, size: 16 });
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [dir] } });
    client = new TrainerServiceClient(server.address, grpc.credentials.createInsecure());
    api = promiseClient(client);
    const imported = await readAll<ImportDatasetResponse>(client.importDataset(ImportDatasetRequest.fromPartial({ name: 'toy', source: { $case: 'imageFolder', value: path.join(dir, 'toy') }, imageSize: 16 })));
    const last = imported[imported.length - 1].event;
    if (last?.$case !== 'dataset') throw new Error('import failed');
    datasetId = last.value.id;
    const events = await readAll<TrainResponse>(
      client.train(
        TrainRequest.fromPartial({
          datasetId,
          model: { featureMaps: [4, 8], dropRate: 0 },
          training: { epochs: 3, batchSize: 8, learningRate: 0.01, seed: 3, validationFraction: 0.2 },
          name: 'toy',
        }),
      ),
    );
    const finished = events[events.length - 1].event?.event;
    if (finished?.$case !== 'finished') throw new Error('training failed');
    modelId = finished.value.model?.id ?? '';
  }, 180_000);

  afterAll(async () => {
    client.close();
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates under PGD and AutoAttack (fast) on the same images: AutoAttack finds at least what PGD finds, and reports its cascade', async () => {
    const res = await api.evaluate(request([pgd, autoattackFast]));
    const [p, aa] = res.robust;
    expect(aa.numImages).toBe(p.numImages);
    expect(aa.cleanAccuracy).toBeCloseTo(p.cleanAccuracy, 6);
    expect(aa.robustAccuracy).toBeLessThanOrEqual(p.robustAccuracy);
    expect(aa.attack).toMatchObject({ method: AttackMethod.ATTACK_METHOD_AUTOATTACK, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST, queries: 100 });
    expect(aa.sanity).toMatchObject({ withinBudget: true, eps0MatchesClean: true });
    // Three classes: APGD-T needs four, so the cascade is APGD-CE then Square, and says so.
    expect(aa.cascade.map((s) => s.attack)).toEqual(['apgd-ce', 'square']);
    expect(aa.warnings).toContain('apgd-t skipped: it needs at least 4 classes, the model has 3');
    expect(aa.cascade[aa.cascade.length - 1].robustAccuracy).toBeCloseTo(aa.robustAccuracy, 6);
    expect(p.cascade).toEqual([]);
    expect(res.worstCaseAccuracy).toBeLessThanOrEqual(aa.robustAccuracy + 1e-9);
    const { model } = await api.getModel({ modelId });
    expect(model?.evaluations.map((e) => e.attack?.method)).toEqual([AttackMethod.ATTACK_METHOD_PGD, AttackMethod.ATTACK_METHOD_AUTOATTACK]);
  }, 180_000);

  it('streams progress naming each attack and the members of the cascade, then the same result as Evaluate', async () => {
    const messages = await readAll<EvaluateStreamResponse>(client.evaluateStream({ evaluation: request([pgd, autoattackFast]) }));
    const progress = messages.flatMap((m) => (m.event?.$case === 'progress' ? [m.event.value] : [])) as EvaluateProgress[];
    const last = messages[messages.length - 1].event;
    expect(last?.$case).toBe('result');
    expect(messages.filter((m) => m.event?.$case === 'result')).toHaveLength(1);
    expect(progress[0]).toEqual({ attackIndex: 0, attackCount: 2, attack: 'PGD-5', stage: '', imagesDone: 0, imagesTotal: 12 });
    expect([...new Set(progress.filter((p) => p.attackIndex === 1).map((p) => p.attack))]).toEqual(['AutoAttack (fast)']);
    expect([...new Set(progress.map((p) => p.stage).filter(Boolean))]).toEqual(['apgd-ce', 'square']);
    const unary = await api.evaluate(request([pgd, autoattackFast]));
    const result = last?.$case === 'result' ? last.value : undefined;
    expect(result?.robust.map((r) => r.robustAccuracy)).toEqual(unary.robust.map((r) => r.robustAccuracy));
  }, 180_000);

  it('evaluates under APGD-CE, APGD-DLR and Square, each within its budget', async () => {
    const res = await api.evaluate(
      request([
        AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_APGD_CE, epsilon: eps, steps: 10 }),
        AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_APGD_DLR, epsilon: eps, steps: 10 }),
        AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_SQUARE, epsilon: eps, queries: 50 }),
      ]),
    );
    expect(res.robust.map((r) => r.attack?.method)).toEqual([AttackMethod.ATTACK_METHOD_APGD_CE, AttackMethod.ATTACK_METHOD_APGD_DLR, AttackMethod.ATTACK_METHOD_SQUARE]);
    for (const r of res.robust) {
      expect(r.robustAccuracy).toBeLessThanOrEqual(r.cleanAccuracy);
      expect(r.sanity).toMatchObject({ withinBudget: true, eps0MatchesClean: true });
    }
    expect(res.robust[2].attack?.queries).toBe(50);
  }, 180_000);

  it('draws the gallery from AutoAttack, naming what broke each image', async () => {
    const res = await api.attack({ modelId, datasetId: '', split: 0, attack: autoattackFast, maxImages: 0, gallerySize: 6, seed: 2, curveEpsilons: [], contactSheet: false });
    expect(res.result?.cascade.map((s) => s.attack)).toEqual(['apgd-ce', 'square']);
    expect(res.gallery).toHaveLength(6);
    for (const item of res.gallery) {
      const cleanRight = item.clean?.classIndex === item.trueClass;
      const advRight = item.adversarial?.classIndex === item.trueClass;
      if (!cleanRight) expect(item.brokenBy).toBe('clean');
      else if (advRight) expect(item.brokenBy).toBe('');
      else expect(['apgd-ce', 'square']).toContain(item.brokenBy);
    }
  }, 180_000);

  describe('refuses bad combinations with INVALID_ARGUMENT naming the field', () => {
    it.each([
      ['AutoAttack with a target', { method: AttackMethod.ATTACK_METHOD_AUTOATTACK, targetClass: 1 }, 'attacks[0].target_class must be absent for AutoAttack'],
      ['APGD-T with a target', { method: AttackMethod.ATTACK_METHOD_APGD_T, targetClass: 1 }, 'attacks[0].target_class must be absent for APGD-T'],
      ['AutoAttack with a loss', { method: AttackMethod.ATTACK_METHOD_AUTOATTACK, loss: LossKind.LOSS_KIND_ONE_VS_ALL }, 'attacks[0].loss must be absent for AutoAttack'],
      ['a version on PGD', { method: AttackMethod.ATTACK_METHOD_PGD, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST }, 'attacks[0].autoattack_version applies to AutoAttack only'],
      ['queries on FGSM', { method: AttackMethod.ATTACK_METHOD_FGSM, queries: 10 }, 'attacks[0].queries applies to Square and AutoAttack only'],
    ])('%s', async (_name, attack, message) => {
      await expect(api.evaluate(request([AttackConfig.fromPartial(attack)]))).rejects.toMatchObject({ code: INVALID_ARGUMENT, details: expect.stringContaining(message) });
      await expect(readAll(client.evaluateStream({ evaluation: request([AttackConfig.fromPartial(attack)]) }))).rejects.toMatchObject({ code: INVALID_ARGUMENT });
    });

    it('adversarial training with AutoAttack or APGD', async () => {
      for (const method of [AttackMethod.ATTACK_METHOD_AUTOATTACK, AttackMethod.ATTACK_METHOD_APGD_CE]) {
        await expect(
          readAll(client.adversarialTrain(AdversarialTrainRequest.fromPartial({ datasetId, baseModelId: modelId, adversarial: { attack: { method } } }))),
        ).rejects.toMatchObject({ code: INVALID_ARGUMENT, details: expect.stringContaining('adversarial.attack.method must be PGD or FGSM_RANDOM_START') });
      }
    });
  });
});
