import * as grpc from '@grpc/grpc-js';
import { AttackMethod, AutoAttackVersion, CheckpointReason, LossKind, RunKind, RunStatus, TrainerServiceService, type EvaluateResponse, type Run } from '@advlab/contract';
import { closeClients } from './clients';
import { attempt, toDashboardError } from './errors';
import { getRun, listRuns } from './trainer';
import { DASHBOARD_SQUARE_QUERIES, toAdversarialTrainRequest, toTrainRequest, toWireAttack } from './requests';
import { startRunRoute } from './routes';
import { f32, pngDataUrl, toEvaluation, toGallery, toRun, toRunEvent } from './views';

const wireRun = (overrides: Partial<Run> = {}): Run => ({
  id: 'run-1',
  name: 'toy',
  kind: RunKind.RUN_KIND_ADVERSARIAL_TRAIN,
  status: RunStatus.RUN_STATUS_RUNNING,
  datasetId: 'toy',
  model: { featureMaps: [4, 8], dropRate: 0.20000000298023224, batchNorm: true, useSkip: false, imageSize: 16, classNames: ['a', 'b'] },
  training: { epochs: 3, batchSize: 8, learningRate: 0.01, seed: 3, loss: LossKind.LOSS_KIND_ONE_VS_ALL, lrSchedule: 0, earlyStoppingPatience: 0, weightDecay: 0, augmentation: { mix: { $case: 'cutmix', value: { alpha: 1 } } } },
  adversarial: { attack: { method: AttackMethod.ATTACK_METHOD_PGD, norm: 0, loss: 0, epsilon: 0.03137254901960784, steps: 7, autoattackVersion: 0 } },
  sweep: undefined,
  baseModelId: '',
  parentRunId: '',
  history: [{ epoch: 1, trainLoss: 1, trainAccuracy: 0.5, valLoss: 0.9, valAccuracy: 0.6, robustValAccuracy: 0.3, learningRate: 0.01, seconds: 2, imagesPerSecond: 100 }],
  bestValAccuracy: 0.6,
  bestRobustAccuracy: 0.3,
  modelId: '',
  error: '',
  backend: 'wasm',
  worker: '',
  createdAt: new Date('2026-11-29T09:00:00Z'),
  startedAt: new Date('2026-11-29T09:00:01Z'),
  finishedAt: undefined,
  trials: [],
  ...overrides,
});

describe('wire to view', () => {
  it('turns a run into plain data with string enums, ISO times and readable floats', () => {
    const run = toRun(wireRun());
    expect(run).toMatchObject({
      kind: 'adversarial',
      status: 'running',
      model: { featureMaps: [4, 8], dropRate: 0.2, useSkip: false },
      training: { loss: 'ova', mix: 'cutmix', mixAlpha: 1, horizontalFlip: true, validationFraction: 0.1 },
      adversarial: { attack: { method: 'pgd', steps: 7, epsilon: f32(8 / 255) }, evalImages: 256 },
      history: [{ epoch: 1, robustValAccuracy: 0.3 }],
      createdAt: '2026-11-29T09:00:00.000Z',
      finishedAt: null,
    });
    expect(JSON.parse(JSON.stringify(run))).toEqual(run);
  });

  it('maps each run event to a typed view', () => {
    const at = { runId: 'run-1', sequence: 4, time: new Date('2026-11-29T09:00:02Z') };
    expect(toRunEvent({ ...at, event: { $case: 'checkpoint', value: { epoch: 1, reason: CheckpointReason.CHECKPOINT_REASON_BEST, accuracy: 0.6 } } })).toEqual({
      runId: 'run-1',
      sequence: 4,
      time: '2026-11-29T09:00:02.000Z',
      type: 'checkpoint',
      epoch: 1,
      reason: 'best',
      accuracy: 0.6,
    });
    expect(toRunEvent({ ...at, sequence: 0, event: { $case: 'batch', value: { epoch: 1, batch: 3, batchesPerEpoch: 9, loss: 1, accuracy: 0.4, imagesPerSecond: 50 } } })).toMatchObject({ type: 'batch', batch: 3, batchesPerEpoch: 9 });
    const finished = toRunEvent({ ...at, event: { $case: 'finished', value: { run: wireRun({ status: RunStatus.RUN_STATUS_SUCCEEDED, modelId: 'mdl-9' }) } } });
    expect(finished).toMatchObject({ type: 'finished', modelId: 'mdl-9', run: { status: 'succeeded' } });
    expect(toRunEvent({ ...at, event: { $case: 'handover', value: { fromWorker: 'w-a', toWorker: 'w-b', resumedAfterEpoch: 3, reason: 'worker w-a stopped sending heartbeats' } } })).toEqual({
      ...at,
      time: '2026-11-29T09:00:02.000Z',
      type: 'handover',
      fromWorker: 'w-a',
      toWorker: 'w-b',
      resumedAfterEpoch: 3,
      reason: 'worker w-a stopped sending heartbeats',
    });
    expect(toRunEvent({ ...at, event: undefined }).type).toBe('unknown');
  });

  it('reshapes the row-major confusion counts into rows', () => {
    const response: EvaluateResponse = {
      modelId: 'm',
      split: 0,
      numImages: 6,
      loss: 0.4,
      accuracy: 4 / 6,
      perClass: [],
      confusion: { labels: ['a', 'b'], counts: [2, 1, 1, 2] },
      robust: [],
      worstCaseAccuracy: 4 / 6,
      seconds: 1,
    };
    expect(toEvaluation(response).confusion).toEqual({ labels: ['a', 'b'], counts: [[2, 1], [1, 2]] });
  });

  it('makes PNG bytes displayable', () => {
    expect(pngDataUrl(Buffer.from([1, 2, 3]))).toBe('data:image/png;base64,AQID');
    expect(pngDataUrl(Buffer.alloc(0))).toBe('');
  });
});

describe('form data to wire requests', () => {
  const model = { featureMaps: [8, 16], dropRate: 0, batchNorm: true, useSkip: true };
  const training = { epochs: 1, batchSize: 32, learningRate: 0.001, seed: 1, validationFraction: 0.1, lrSchedule: 'cosine' as const, loss: 'ce' as const, mix: 'mixup' as const, mixAlpha: 0.4, horizontalFlip: false, colorJitter: 0 };

  it('sets the mixing oneof and the enums', () => {
    const request = toTrainRequest({ kind: 'train', name: 'n', datasetId: 'd', model, training });
    expect(request.training?.augmentation?.mix).toEqual({ $case: 'mixup', value: { alpha: 0.4 } });
    expect(request.training?.lrSchedule).toBe(2);
    expect(request.training?.loss).toBe(LossKind.LOSS_KIND_CROSS_ENTROPY);
    expect(request.training?.augmentation?.horizontalFlip).toBe(false);
  });

  it('converts /255 budgets to pixel scale', () => {
    const request = toAdversarialTrainRequest({
      kind: 'adversarial',
      name: '',
      datasetId: 'd',
      baseModelId: 'mdl-1',
      model,
      training,
      adversarial: { method: 'fgsm-rs', epsilon255: 8, steps: 1, stepSize255: 10, evalImages: 64 },
    });
    expect(request.adversarial?.attack).toMatchObject({ method: AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START, epsilon: 8 / 255, stepSize: 10 / 255 });
    expect(request.baseModelId).toBe('mdl-1');
    expect(toWireAttack({ method: 'fgsm', epsilon255: 0, steps: 1, stepSize255: 1 })).toMatchObject({ method: AttackMethod.ATTACK_METHOD_FGSM, epsilon: 0, randomStart: false });
  });

  it('sends every gallery attack with its own budget: APGD its steps, Square its queries, AutoAttack fast', () => {
    const settings = { epsilon255: 8, steps: 30, stepSize255: 1 };
    expect(toWireAttack({ ...settings, method: 'apgd-t' })).toMatchObject({ method: AttackMethod.ATTACK_METHOD_APGD_T, steps: 30, queries: undefined, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED });
    expect(toWireAttack({ ...settings, method: 'square' })).toMatchObject({ method: AttackMethod.ATTACK_METHOD_SQUARE, steps: undefined, queries: DASHBOARD_SQUARE_QUERIES });
    expect(toWireAttack({ ...settings, method: 'autoattack' })).toMatchObject({ method: AttackMethod.ATTACK_METHOD_AUTOATTACK, steps: undefined, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST });
  });

  it('shows AutoAttack results with their version, cascade and warnings, and gallery items with what broke them', () => {
    const attack = { method: AttackMethod.ATTACK_METHOD_AUTOATTACK, norm: 0, loss: 0, epsilon: 8 / 255, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST, queries: 100 };
    const result = {
      attack,
      epsilonLabel: '8/255',
      numImages: 10,
      cleanAccuracy: 0.8,
      robustAccuracy: 0.5,
      attackSuccessRate: 0.375,
      meanLoss: NaN,
      sanity: undefined,
      seconds: 1,
      cascade: [
        { attack: 'apgd-ce', broken: 2, robustAccuracy: 0.6 },
        { attack: 'square', broken: 1, robustAccuracy: 0.5 },
      ],
      warnings: ['apgd-t skipped: it needs at least 4 classes, the model has 3'],
    };
    const item = { index: 3, trueClass: 1, trueLabel: 'b', clean: undefined, adversarial: undefined, cleanPng: Buffer.alloc(0), adversarialPng: Buffer.alloc(0), perturbationPng: Buffer.alloc(0), maxPerturbation: 0.03, success: true };
    const gallery = toGallery({ result, gallery: [{ ...item, brokenBy: 'square' }, { ...item, brokenBy: '' }], contactSheetPng: Buffer.alloc(0), curve: [] });
    expect(gallery.result).toMatchObject({ attack: { method: 'autoattack', version: 'fast', queries: 100 }, cascade: result.cascade, warnings: result.warnings });
    expect(gallery.items.map((i) => i.brokenBy)).toEqual(['square', null]);
    expect(toGallery({ result: { ...result, attack: { ...attack, method: AttackMethod.ATTACK_METHOD_PGD } }, gallery: [], contactSheetPng: Buffer.alloc(0), curve: [] }).result?.attack).toMatchObject({ method: 'pgd', version: null });
  });
});

describe('errors and routes', () => {
  it('recognises an RPC the server does not have yet', async () => {
    const error = Object.assign(new Error('12 UNIMPLEMENTED: not yet'), { code: grpc.status.UNIMPLEMENTED, details: 'not yet' });
    expect(toDashboardError(error)).toEqual({ code: 'UNIMPLEMENTED', message: 'not yet', unimplemented: true, unreachable: false });
    await expect(attempt(async () => Promise.reject(error))).resolves.toMatchObject({ ok: false, error: { unimplemented: true } });
    await expect(attempt(async () => 3)).resolves.toEqual({ ok: true, data: 3 });
  });

  it('answers 400 with field errors before calling the trainer', async () => {
    const headers = { Host: 'localhost', Origin: 'http://localhost', 'Content-Type': 'application/json' };
    const request = new Request('http://localhost/api/runs', { method: 'POST', headers, body: JSON.stringify({ kind: 'train', datasetId: '' }) });
    const response = await startRunRoute(request);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { fieldErrors: Record<string, string> };
    expect(body.fieldErrors['datasetId']).toBe('Choose a dataset');
    expect((await startRunRoute(new Request('http://localhost/api/runs', { method: 'POST', headers, body: 'nope' }))).status).toBe(400);
  });
});

describe('runs name their dataset', () => {
  let server: grpc.Server;
  let previousAddress: string | undefined;
  let datasetsFail = false;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(TrainerServiceService, {
      getRun: (_call: unknown, done: grpc.sendUnaryData<unknown>) => done(null, { run: wireRun() }),
      listRuns: (_call: unknown, done: grpc.sendUnaryData<unknown>) => done(null, { runs: [wireRun(), wireRun({ id: 'run-2', datasetId: 'gone' })], nextPageToken: '' }),
      listDatasets: (_call: unknown, done: grpc.sendUnaryData<unknown>) =>
        datasetsFail
          ? done({ code: grpc.status.UNAVAILABLE, details: 'busy' })
          : done(null, { datasets: [{ id: 'toy', name: 'Toy shapes', source: '', imageSize: 16, classNames: ['a', 'b'], trainCounts: [1, 1], testCounts: [], skipped: [], builtin: true }] }),
    } as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    previousAddress = process.env['ADVLAB_TRAINER_ADDR'];
    process.env['ADVLAB_TRAINER_ADDR'] = `127.0.0.1:${port}`;
  });

  afterAll(() => {
    closeClients();
    server.forceShutdown();
    if (previousAddress === undefined) delete process.env['ADVLAB_TRAINER_ADDR'];
    else process.env['ADVLAB_TRAINER_ADDR'] = previousAddress;
  });

  it("by the name the trainer lists, or by id when the dataset is gone or the list fails", async () => {
    datasetsFail = false;
    expect((await getRun('run-1')).datasetName).toBe('Toy shapes');
    expect((await listRuns()).map((r) => [r.datasetId, r.datasetName])).toEqual([
      ['toy', 'Toy shapes'],
      ['gone', ''],
    ]);
    datasetsFail = true;
    expect(await getRun('run-1')).toMatchObject({ id: 'run-1', datasetId: 'toy', datasetName: '' });
  });
});
