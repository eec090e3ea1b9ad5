import { AttackMethod, AutoAttackVersion, LossKind, LrSchedule, Norm, StudyPreset } from '@advlab/contract';
import { attackSpecOf, epsilonLabel, resolveAdversarialConfig, resolveAttackConfig, resolveModelConfig, resolveStudyConfig, resolveTrainingConfig } from './resolve';

const expectInvalid = (fn: () => unknown, message: string) =>
  expect(fn).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining(message) }));

describe('resolveModelConfig', () => {
  it('fills the notebook defaults and the dataset image size', () => {
    expect(resolveModelConfig(undefined, 64, ['a', 'b'])).toEqual({
      featureMaps: [16, 32, 64],
      dropRate: 0.2,
      batchNorm: true,
      useSkip: true,
      imageSize: 64,
      classNames: ['a', 'b'],
    });
  });
  it('keeps explicit zero and false values', () => {
    const c = resolveModelConfig({ featureMaps: [32, 64], dropRate: 0, batchNorm: false, useSkip: false, imageSize: 32 }, 64, []);
    expect(c).toMatchObject({ featureMaps: [32, 64], dropRate: 0, batchNorm: false, useSkip: false, imageSize: 32 });
  });
  it.each([
    [{ featureMaps: [0, 8] }, 'model.feature_maps[0] must be an integer in [1, 1024], got 0'],
    [{ featureMaps: [8, 2000] }, 'model.feature_maps[1] must be an integer in [1, 1024], got 2000'],
    [{ dropRate: 1 }, 'model.drop_rate must be in [0, 1), got 1'],
    [{ imageSize: 4 }, 'model.image_size must be an integer in [8, 512], got 4'],
    [{ featureMaps: [8, 8, 8, 8], imageSize: 28 }, 'model.image_size 28 is not divisible by 2^3'],
  ])('refuses %j', (model, message) => expectInvalid(() => resolveModelConfig(model, 64, []), message));
});

describe('resolveTrainingConfig', () => {
  it('fills every default, seed included', () => {
    expect(resolveTrainingConfig(undefined)).toEqual({
      epochs: 10,
      batchSize: 32,
      learningRate: 0.001,
      seed: 1234,
      augmentation: { mix: undefined, horizontalFlip: true, colorJitter: 0.2 },
      loss: LossKind.LOSS_KIND_CROSS_ENTROPY,
      validationFraction: 0.1,
      stratified: true,
      lrSchedule: LrSchedule.LR_SCHEDULE_CONSTANT,
      earlyStoppingPatience: 0,
      weightDecay: 0,
      maxTrainImages: 0,
    });
  });
  it('defaults mixing alphas and keeps the chosen method', () => {
    expect(resolveTrainingConfig({ augmentation: { mix: { $case: 'mixup', value: { alpha: 0 } } } }).augmentation?.mix).toEqual({
      $case: 'mixup',
      value: { alpha: 0.4 },
    });
    expect(resolveTrainingConfig({ augmentation: { mix: { $case: 'cutmix', value: { alpha: 0.5 } } } }).augmentation?.mix).toEqual({
      $case: 'cutmix',
      value: { alpha: 0.5 },
    });
  });
  it.each([
    [{ epochs: 0 }, 'training.epochs must be an integer in [1, 1000], got 0'],
    [{ epochs: 2.5 }, 'training.epochs must be an integer'],
    [{ batchSize: 0 }, 'training.batch_size must be an integer in [1, 4096], got 0'],
    [{ learningRate: 0 }, 'training.learning_rate must be in (0, 1], got 0'],
    [{ learningRate: -1 }, 'training.learning_rate must be in (0, 1], got -1'],
    [{ validationFraction: 0.9 }, 'training.validation_fraction must be in [0.01, 0.5], got 0.9'],
    [{ loss: 7 as LossKind }, 'training.loss is not a known loss (7)'],
    [{ weightDecay: -0.1 }, 'training.weight_decay must be in [0, 1], got -0.1'],
    [{ augmentation: { colorJitter: 2 } }, 'training.augmentation.color_jitter must be in [0, 1], got 2'],
    [{ augmentation: { mix: { $case: 'mixup' as const, value: { alpha: -1 } } } }, 'training.augmentation.mixup.alpha must be in (0, 100], got -1'],
  ])('refuses %j', (training, message) => expectInvalid(() => resolveTrainingConfig(training), message));
});

describe('resolveAttackConfig', () => {
  it('uses the notebook settings: eps 8/255, step 0.002, 20 steps to evaluate, 10 to train', () => {
    const evalPgd = resolveAttackConfig(undefined, 'evaluate');
    expect(evalPgd).toMatchObject({ method: AttackMethod.ATTACK_METHOD_PGD, norm: Norm.NORM_LINF, stepSize: 0.002, steps: 20, randomStart: true, restarts: 1 });
    expect(evalPgd.epsilon).toBeCloseTo(0.0313725, 6);
    expect(resolveAttackConfig(undefined, 'train').steps).toBe(10);
    expect(resolveAttackConfig({ method: AttackMethod.ATTACK_METHOD_FGSM }, 'evaluate').steps).toBe(1);
    expect(resolveAttackConfig({ norm: Norm.NORM_L2 }, 'evaluate')).toMatchObject({ epsilon: 0.5, stepSize: 0.1 });
    expect(resolveAttackConfig({ epsilon: 0 }, 'evaluate').epsilon).toBe(0);
  });
  it.each([
    [{ epsilon: 1.5 }, 'attack.epsilon must be in [0, 1], got 1.5'],
    [{ stepSize: 0 }, 'attack.step_size must be in (0, 64], got 0'],
    [{ steps: 0 }, 'attack.steps must be an integer in [1, 1000], got 0'],
    [{ restarts: 101 }, 'attack.restarts must be an integer in [1, 100], got 101'],
    [{ method: 9 as AttackMethod }, 'attack.method is not a known attack (9)'],
  ])('refuses %j', (attack, message) => expectInvalid(() => resolveAttackConfig(attack, 'evaluate'), message));
});

describe('the APGD family, Square and AutoAttack', () => {
  const M = AttackMethod;
  it('fill their own defaults: 100 APGD iterations, 5000 Square queries, the standard AutoAttack', () => {
    expect(resolveAttackConfig({ method: M.ATTACK_METHOD_APGD_CE }, 'evaluate')).toMatchObject({ steps: 100, restarts: 1, queries: undefined });
    expect(resolveAttackConfig({ method: M.ATTACK_METHOD_APGD_T, steps: 30 }, 'evaluate').steps).toBe(30);
    expect(resolveAttackConfig({ method: M.ATTACK_METHOD_SQUARE }, 'evaluate').queries).toBe(5000);
    const aa = resolveAttackConfig({ method: M.ATTACK_METHOD_AUTOATTACK }, 'evaluate');
    expect(aa).toMatchObject({ autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_STANDARD, queries: undefined });
    expect(resolveAttackConfig(undefined, 'evaluate').autoattackVersion).toBe(AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED);
  });

  it('become the attacks lib specs', () => {
    const spec = (a: Parameters<typeof resolveAttackConfig>[0]) => attackSpecOf(resolveAttackConfig(a, 'evaluate'));
    expect(spec({ method: M.ATTACK_METHOD_APGD_CE })).toMatchObject({ kind: 'apgd', loss: 'cross-entropy', steps: 100 });
    expect(spec({ method: M.ATTACK_METHOD_APGD_DLR, norm: Norm.NORM_L2 })).toMatchObject({ kind: 'apgd', loss: 'dlr', norm: 'l2', eps: 0.5 });
    expect(spec({ method: M.ATTACK_METHOD_APGD_T, steps: 10 })).toMatchObject({ kind: 'apgd-t', steps: 10 });
    expect(spec({ method: M.ATTACK_METHOD_SQUARE, queries: 300, targetClass: 2 })).toMatchObject({ kind: 'square', steps: 300, targetClass: 2 });
    expect(spec({ method: M.ATTACK_METHOD_AUTOATTACK, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST, queries: 50 })).toMatchObject({
      kind: 'autoattack',
      autoAttack: 'fast',
      squareQueries: 50,
    });
    expect(spec({ method: M.ATTACK_METHOD_AUTOATTACK })).toMatchObject({ kind: 'autoattack', autoAttack: 'standard', squareQueries: undefined });
    expect(spec({ method: M.ATTACK_METHOD_FGSM_RANDOM_START })).toMatchObject({ kind: 'fgsm-rs', steps: 1 });
  });

  it.each([
    [{ method: M.ATTACK_METHOD_AUTOATTACK, targetClass: 1 }, 'attack.target_class must be absent for AutoAttack'],
    [{ method: M.ATTACK_METHOD_APGD_T, targetClass: 1 }, 'attack.target_class must be absent for APGD-T'],
    [{ method: M.ATTACK_METHOD_AUTOATTACK, loss: LossKind.LOSS_KIND_ONE_VS_ALL }, 'attack.loss must be absent for AutoAttack'],
    [{ method: M.ATTACK_METHOD_APGD_DLR, loss: LossKind.LOSS_KIND_CROSS_ENTROPY }, 'attack.loss must be absent for APGD-DLR'],
    [{ method: M.ATTACK_METHOD_PGD, autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST }, 'attack.autoattack_version applies to AutoAttack only, not PGD'],
    [{ method: M.ATTACK_METHOD_AUTOATTACK, autoattackVersion: 7 as AutoAttackVersion }, 'attack.autoattack_version is not a known AutoAttack version (7)'],
    [{ method: M.ATTACK_METHOD_PGD, queries: 100 }, 'attack.queries applies to Square and AutoAttack only, not PGD'],
    [{ method: M.ATTACK_METHOD_SQUARE, queries: 0 }, 'attack.queries must be an integer in [1, 100000], got 0'],
    [{ method: M.ATTACK_METHOD_AUTOATTACK, queries: 200_000 }, 'attack.queries must be an integer in [1, 100000], got 200000'],
    [{ method: M.ATTACK_METHOD_APGD_CE, steps: 1001 }, 'attack.steps must be an integer in [1, 1000], got 1001'],
  ])('refuse %j', (attack, message) => expectInvalid(() => resolveAttackConfig(attack, 'evaluate'), message));

  it.each([M.ATTACK_METHOD_APGD_CE, M.ATTACK_METHOD_APGD_T, M.ATTACK_METHOD_SQUARE, M.ATTACK_METHOD_AUTOATTACK, M.ATTACK_METHOD_FGSM])('are refused for adversarial training (%s)', (method) =>
    expectInvalid(() => resolveAdversarialConfig({ attack: { ...resolveAttackConfig(undefined, 'train'), method } }), 'adversarial.attack.method must be PGD or FGSM_RANDOM_START for adversarial training'),
  );
});

describe('epsilonLabel', () => {
  it('writes whole 255ths as k/255', () => {
    expect(epsilonLabel({ epsilon: 8 / 255 })).toBe('8/255');
    expect(epsilonLabel({ epsilon: 0 })).toBe('0/255');
    expect(epsilonLabel({ epsilon: 0.0313 })).toBe('7.98/255');
    expect(epsilonLabel({ epsilon: 0.01 })).toBe('2.55/255');
  });
});

describe('the tables are the single source of the defaults', () => {
  it('fills defaults from the tables, checks ranges with their bounds', () => {
    const { TRAINING_FIELDS, ATTACK_FIELDS } = jest.requireActual('./fields') as typeof import('./fields');
    expect(resolveTrainingConfig(undefined).epochs).toBe(TRAINING_FIELDS.epochs.default);
    expect(resolveAttackConfig(undefined, 'evaluate').steps).toBe(ATTACK_FIELDS.evaluationSteps.default);
    expect(resolveAttackConfig(undefined, 'train').steps).toBe(ATTACK_FIELDS.trainingSteps.default);
    expectInvalid(() => resolveTrainingConfig({ epochs: TRAINING_FIELDS.epochs.max + 1 }), `training.epochs must be an integer in [1, ${TRAINING_FIELDS.epochs.max}]`);
  });
});

describe('resolveStudyConfig', () => {
  it("fills the notebook's settings by default: its grid, 10 epochs, every test image, six curve points", () => {
    const study = resolveStudyConfig(undefined);
    expect(study.preset).toBe(StudyPreset.STUDY_PRESET_NOTEBOOK);
    expect(study.grid).toEqual([
      { path: 'model.feature_maps', values: ['[32,64]', '[16,32,64]'] },
      { path: 'model.use_skip', values: ['true', 'false'] },
      { path: 'training.learning_rate', values: ['0.001', '0.0005'] },
    ]);
    expect(study).toMatchObject({ epochs: 10, adversarialEpochs: 10, attackImages: 0, adversarialEvalImages: 256, testFolder: '' });
    expect(study.curveEpsilons).toHaveLength(6);
  });
  it('takes the quick preset, then what the request sets', () => {
    const quick = resolveStudyConfig({ preset: StudyPreset.STUDY_PRESET_QUICK, adversarialEpochs: 2, grid: [{ path: 'model.use_skip', values: ['true'] }] });
    expect(quick).toMatchObject({ epochs: 1, adversarialEpochs: 2, attackImages: 50, grid: [{ path: 'model.use_skip', values: ['true'] }] });
  });
  it('names the field out of range', () => {
    expect(() => resolveStudyConfig({ epochs: 0 })).toThrow(/study\.epochs/);
    expect(() => resolveStudyConfig({ curveEpsilons: [2] })).toThrow(/study\.curve_epsilons\[0\]/);
  });
});
