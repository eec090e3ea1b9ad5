import {
  AttackConfig,
  AttackFrame,
  AttackMethod,
  AutoAttackVersion,
  AttackResponse,
  EvaluateResponse,
  LossKind,
  Norm,
  RunEvent,
  RunStatus,
  StreamAttackRequest,
  SweepRequest,
  TrainRequest,
} from './index';

/** Encodes then decodes with the same codec; the result must equal the input. */
function roundTrip<T>(codec: { encode(m: T): { finish(): Uint8Array }; decode(b: Uint8Array): T }, message: T): T {
  return codec.decode(codec.encode(message).finish());
}

describe('contract messages round-trip through the wire format', () => {
  it('TrainRequest keeps optional zero values distinct from absent ones', () => {
    const request: TrainRequest = {
      datasetId: 'fashion-mnist-mini',
      model: { featureMaps: [32, 64], dropRate: 0, batchNorm: false, useSkip: true, imageSize: 64, classNames: [] },
      training: {
        epochs: 10,
        batchSize: 32,
        learningRate: 0.0005,
        seed: 1234,
        augmentation: { mix: { $case: 'cutmix', value: { alpha: 1 } }, horizontalFlip: true, colorJitter: 0.25 },
        loss: LossKind.LOSS_KIND_ONE_VS_ALL,
        validationFraction: 0.125, // float fields: values exact in float32
        stratified: true,
        lrSchedule: 0,
        earlyStoppingPatience: 0,
        weightDecay: 0,
      },
      name: 'cutmix-ova',
      baseModelId: '',
    };
    const decoded = roundTrip(TrainRequest, request);
    expect(decoded).toEqual(request);
    expect(decoded.model?.dropRate).toBe(0);
    expect(decoded.model?.batchNorm).toBe(false);
    const bare = roundTrip(TrainRequest, TrainRequest.fromPartial({ datasetId: 'd', model: { featureMaps: [16] } }));
    expect(bare.model?.dropRate).toBeUndefined();
    expect(bare.model?.batchNorm).toBeUndefined();
  });

  it('AttackConfig carries eps in pixel scale and an optional target', () => {
    const attack: AttackConfig = {
      method: AttackMethod.ATTACK_METHOD_PGD,
      norm: Norm.NORM_LINF,
      epsilon: 8 / 255,
      stepSize: 0.002,
      steps: 20,
      randomStart: true,
      restarts: 2,
      targetClass: 0,
      loss: LossKind.LOSS_KIND_UNSPECIFIED,
      autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED,
    };
    const decoded = roundTrip(AttackConfig, attack);
    expect(decoded.epsilon).toBeCloseTo(8 / 255, 7);
    expect(decoded.targetClass).toBe(0);
    expect(roundTrip(AttackConfig, AttackConfig.fromPartial({})).targetClass).toBeUndefined();
    const aa = roundTrip(AttackConfig, AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_AUTOATTACK, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST, queries: 0 }));
    expect(aa).toMatchObject({ method: AttackMethod.ATTACK_METHOD_AUTOATTACK, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST, queries: 0 });
  });

  it('RunEvent keeps its oneof case and timestamp', () => {
    const event: RunEvent = {
      runId: 'r1',
      sequence: 7,
      time: new Date('2026-11-29T10:00:00.123Z'),
      event: {
        $case: 'epoch',
        value: {
          epoch: 3,
          trainLoss: 1.25,
          trainAccuracy: 0.5,
          valLoss: 1.5,
          valAccuracy: 0.4375,
          robustValAccuracy: 0.125,
          learningRate: 0.001,
          seconds: 12.5,
          imagesPerSecond: 30,
        },
      },
    };
    expect(roundTrip(RunEvent, event)).toEqual(event);
    const failed = RunEvent.fromPartial({ runId: 'r2', event: { $case: 'failed', value: { error: 'out of memory' } } });
    expect(roundTrip(RunEvent, failed).event).toEqual({ $case: 'failed', value: { error: 'out of memory' } });
  });

  it('EvaluateResponse keeps its confusion matrix and robust results', () => {
    const response = EvaluateResponse.fromPartial({
      modelId: 'm1',
      numImages: 4,
      accuracy: 0.75,
      confusion: { labels: ['cat', 'dog'], counts: [2, 0, 1, 1] },
      perClass: [
        { classIndex: 0, label: 'cat', accuracy: 1, support: 2 },
        { classIndex: 1, label: 'dog', accuracy: 0.5, support: 2 },
      ],
      robust: [{ attack: { method: AttackMethod.ATTACK_METHOD_FGSM, epsilon: 0.03125 }, robustAccuracy: 0.25, epsilonLabel: '8/255' }],
    });
    expect(roundTrip(EvaluateResponse, response)).toEqual(response);
  });

  it('AttackResponse keeps gallery PNG bytes intact', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255, 1, 2]);
    const response = AttackResponse.fromPartial({
      gallery: [{ index: 3, trueLabel: 'Bag', cleanPng: png, adversarialPng: png, perturbationPng: png, success: true }],
      contactSheetPng: png,
    });
    const decoded = roundTrip(AttackResponse, response);
    expect(Buffer.from(decoded.gallery[0].adversarialPng)).toEqual(Buffer.from(png));
    expect(decoded.gallery[0].success).toBe(true);
  });

  it('SweepRequest axes and stream messages survive', () => {
    const sweep = SweepRequest.fromPartial({
      datasetId: 'd',
      sweep: { axes: [{ path: 'training.learning_rate', values: ['0.001', '0.0005'] }, { path: 'model.use_skip', values: ['true', 'false'] }] },
    });
    expect(roundTrip(SweepRequest, sweep)).toEqual(sweep);
    const frame = AttackFrame.fromPartial({ step: 5, totalSteps: 20, loss: 2.5, maxPerturbation: 0.015625, success: false });
    expect(roundTrip(AttackFrame, frame)).toEqual(frame);
    const req = StreamAttackRequest.fromPartial({ modelId: 'm', image: { $case: 'datasetImage', value: { datasetId: 'd', index: 4 } } });
    expect(roundTrip(StreamAttackRequest, req)).toEqual(req);
  });

  it('enums decode to their numbers', () => {
    expect(RunStatus.RUN_STATUS_INTERRUPTED).toBe(6);
  });
});
