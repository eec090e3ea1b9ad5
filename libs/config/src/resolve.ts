/**
 * Request resolvers: each takes the (possibly partial) message of a request, fills the
 * defaults of the tables in `fields.ts`, checks the ranges, and throws a {@link ConfigError}
 * naming the field (`training.epochs must be an integer in [1, 1000], got 0`). What comes out
 * is what a run records: the full config, the seed always set.
 */
import {
  AdversarialConfig,
  AttackConfig,
  AttackMethod,
  AugmentationConfig,
  LossKind,
  LrSchedule,
  ModelConfig,
  Norm,
  StudyPreset,
  TrainingConfig,
  type ImportDatasetRequest,
  type StudyConfig,
} from '@advlab/contract';
import { type AttackLossName, type AttackSpec } from './attack-spec';
import { ConfigError } from './errors';
import {
  ADVERSARIAL_FIELDS,
  ATTACK_FIELDS,
  ATTACK_REPORT_FIELDS,
  AUGMENTATION_FIELDS,
  IMPORT_FIELDS,
  LIVE_ATTACK_FIELDS,
  MODEL_FIELDS,
  rangeProblem,
  STUDY_FIELDS,
  STUDY_PRESETS,
  TRAINING_FIELDS,
  type StudyPresetSettings,
  type NumberField,
} from './fields';
import { epsLabel } from './format';

/** Throws a {@link ConfigError} unless `value` is in the field's range; `path` overrides the field's own. */
export function checkField(field: NumberField, value: number, path = field.path): number {
  const problem = rangeProblem(field, value);
  if (problem) throw new ConfigError(path, problem);
  return value;
}

function check(ok: boolean, field: string, problem: string): void {
  if (!ok) throw new ConfigError(field, problem);
}

/** The model config with defaults; `datasetImageSize` fills `image_size` = 0. */
export function resolveModelConfig(model: Partial<ModelConfig> | undefined, datasetImageSize: number, classNames: string[]): ModelConfig {
  const f = MODEL_FIELDS;
  const featureMaps = model?.featureMaps?.length ? [...model.featureMaps] : [...f.featureMaps.default];
  check(featureMaps.length <= f.featureMaps.maxLength, f.featureMaps.path, `may have at most ${f.featureMaps.maxLength} entries, got ${featureMaps.length}`);
  featureMaps.forEach((c, i) => checkField(f.featureMaps.item, c, `${f.featureMaps.path}[${i}]`));
  const dropRate = checkField(f.dropRate, model?.dropRate ?? (f.dropRate.default as number));
  const imageSize = checkField(f.imageSize, model?.imageSize || datasetImageSize);
  const blocks = featureMaps.length - 1;
  check(
    imageSize % 2 ** blocks === 0,
    f.imageSize.path,
    `${imageSize} is not divisible by 2^${blocks} (one 2x2 pooling per block): use fewer feature maps or another size`,
  );
  return { featureMaps, dropRate, batchNorm: model?.batchNorm ?? f.batchNorm.default, useSkip: model?.useSkip ?? f.useSkip.default, imageSize, classNames };
}

/** The augmentation config with defaults: flips and jitter 0.2, a mixing alpha when mixing. */
export function resolveAugmentation(aug: Partial<AugmentationConfig> | undefined): AugmentationConfig {
  const f = AUGMENTATION_FIELDS;
  let mix: AugmentationConfig['mix'];
  if (aug?.mix?.$case === 'mixup') {
    mix = { $case: 'mixup', value: { alpha: checkField(f.mixupAlpha, aug.mix.value.alpha || (f.mixupAlpha.default as number)) } };
  } else if (aug?.mix?.$case === 'cutmix') {
    mix = { $case: 'cutmix', value: { alpha: checkField(f.cutmixAlpha, aug.mix.value.alpha || (f.cutmixAlpha.default as number)) } };
  }
  const colorJitter = checkField(f.colorJitter, aug?.colorJitter ?? (f.colorJitter.default as number));
  return { mix, horizontalFlip: aug?.horizontalFlip ?? f.horizontalFlip.default, colorJitter };
}

/** The training config with every default filled in. */
export function resolveTrainingConfig(training: Partial<TrainingConfig> | undefined): TrainingConfig {
  const t = training ?? {};
  const f = TRAINING_FIELDS;
  const value = (field: NumberField, given: number | undefined) => checkField(field, given ?? (field.default as number));
  const resolved: TrainingConfig = {
    epochs: value(f.epochs, t.epochs),
    batchSize: value(f.batchSize, t.batchSize),
    learningRate: value(f.learningRate, t.learningRate),
    seed: value(f.seed, t.seed),
    augmentation: resolveAugmentation(t.augmentation),
    loss: t.loss || LossKind.LOSS_KIND_CROSS_ENTROPY,
    validationFraction: value(f.validationFraction, t.validationFraction),
    stratified: t.stratified ?? true,
    lrSchedule: t.lrSchedule || LrSchedule.LR_SCHEDULE_CONSTANT,
    earlyStoppingPatience: value(f.earlyStoppingPatience, t.earlyStoppingPatience),
    weightDecay: value(f.weightDecay, t.weightDecay),
    maxTrainImages: value(f.maxTrainImages, t.maxTrainImages),
  };
  check(resolved.loss in LossKind && resolved.loss !== LossKind.LOSS_KIND_UNSPECIFIED, 'training.loss', `is not a known loss (${resolved.loss})`);
  check(resolved.lrSchedule in LrSchedule, 'training.lr_schedule', `is not a known schedule (${resolved.lrSchedule})`);
  return resolved;
}

/** Where an attack is used: evaluation (20 PGD steps) or adversarial training (10). */
export type AttackPurpose = 'evaluate' | 'train';

/** The attack config with every default filled in; `field` prefixes error messages. */
export function resolveAttackConfig(attack: Partial<AttackConfig> | undefined, purpose: AttackPurpose, field = 'attack'): AttackConfig {
  const a = attack ?? {};
  const f = ATTACK_FIELDS;
  const method = a.method || AttackMethod.ATTACK_METHOD_PGD;
  check(method in AttackMethod, `${field}.method`, `is not a known attack (${method})`);
  const norm = a.norm || Norm.NORM_LINF;
  check(norm in Norm, `${field}.norm`, `is not a known norm (${norm})`);
  const linf = norm === Norm.NORM_LINF;
  const eps = linf ? f.epsilonLinf : f.epsilonL2;
  const step = linf ? f.stepSizeLinf : f.stepSizeL2;
  const steps = purpose === 'train' ? f.trainingSteps : f.evaluationSteps;
  const resolved: AttackConfig = {
    method,
    norm,
    epsilon: checkField(eps, a.epsilon ?? (eps.default as number), `${field}.epsilon`),
    stepSize: checkField(step, a.stepSize ?? (step.default as number), `${field}.step_size`),
    steps: checkField(steps, a.steps ?? (method === AttackMethod.ATTACK_METHOD_PGD ? (steps.default as number) : 1), `${field}.steps`),
    randomStart: a.randomStart ?? f.randomStart.default,
    restarts: checkField(f.restarts, a.restarts ?? (f.restarts.default as number), `${field}.restarts`),
    targetClass: a.targetClass,
    loss: a.loss || LossKind.LOSS_KIND_UNSPECIFIED,
  };
  check(resolved.loss in LossKind, `${field}.loss`, `is not a known loss (${resolved.loss})`);
  return resolved;
}

/** Checks an attack's target class against the model's classes. */
export function checkTarget(attack: AttackConfig, numClasses: number, field: string): void {
  if (attack.targetClass !== undefined && attack.targetClass >= numClasses) {
    throw new ConfigError(`${field}.target_class`, `must be in [0, ${numClasses - 1}], got ${attack.targetClass}`);
  }
}

/** The adversarial config with defaults: PGD-10 to train, PGD-20 to check, 256 images. */
export function resolveAdversarialConfig(adversarial: Partial<AdversarialConfig> | undefined): AdversarialConfig {
  const attack = resolveAttackConfig(adversarial?.attack, 'train', 'adversarial.attack');
  check(
    attack.method === AttackMethod.ATTACK_METHOD_PGD || attack.method === AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START,
    'adversarial.attack.method',
    'must be PGD or FGSM_RANDOM_START for adversarial training',
  );
  check(attack.norm === Norm.NORM_LINF, 'adversarial.attack.norm', 'must be L-infinity for adversarial training');
  check(attack.targetClass === undefined, 'adversarial.attack.target_class', 'is not supported for adversarial training');
  const evalAttack = resolveAttackConfig(
    { method: AttackMethod.ATTACK_METHOD_PGD, epsilon: attack.epsilon, stepSize: attack.stepSize, ...adversarial?.evalAttack },
    'evaluate',
    'adversarial.eval_attack',
  );
  const evalImages = checkField(ADVERSARIAL_FIELDS.evalImages, adversarial?.evalImages ?? (ADVERSARIAL_FIELDS.evalImages.default as number));
  return { attack, evalAttack, evalImages };
}

/** The attacks lib's loss name for an AttackConfig's loss (undefined: the model's own). */
export function attackLossName(loss: LossKind | undefined): AttackLossName | undefined {
  if (loss === LossKind.LOSS_KIND_CROSS_ENTROPY) return 'cross-entropy';
  if (loss === LossKind.LOSS_KIND_ONE_VS_ALL) return 'ova';
  return undefined;
}

/** A resolved AttackConfig as the attacks lib runs it. */
export function attackSpecOf(attack: AttackConfig): AttackSpec {
  const kind = attack.method === AttackMethod.ATTACK_METHOD_FGSM ? 'fgsm' : attack.method === AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START ? 'fgsm-rs' : 'pgd';
  return {
    kind,
    norm: attack.norm === Norm.NORM_L2 ? 'l2' : 'linf',
    eps: attack.epsilon as number,
    stepSize: attack.stepSize as number,
    steps: kind === 'pgd' ? (attack.steps as number) : 1,
    restarts: kind === 'pgd' ? (attack.restarts as number) : 1,
    randomStart: attack.randomStart ?? true,
    targetClass: attack.targetClass,
    loss: attackLossName(attack.loss),
  };
}

/** Epsilon for the API's reports: `8/255`, `7.98/255`; zero is written `0/255`; L2 budgets as numbers. */
export function epsilonLabel(attack: { epsilon?: number; norm?: Norm }): string {
  const eps = attack.epsilon ?? 0;
  if (attack.norm === Norm.NORM_L2) return eps.toFixed(3);
  return eps === 0 ? '0/255' : epsLabel(eps);
}

/** The Attack RPC's report options with defaults, checked. */
export function resolveAttackReport(request: { gallerySize?: number; amplification?: number; curveEpsilons: number[] }, norm: Norm): { gallerySize: number; amplification: number } {
  const f = ATTACK_REPORT_FIELDS;
  const gallerySize = checkField(f.gallerySize, request.gallerySize ?? (f.gallerySize.default as number));
  const amplification = checkField(f.amplification, request.amplification ?? (f.amplification.default as number));
  checkField(f.curvePoints, request.curveEpsilons.length);
  const budget = norm === Norm.NORM_L2 ? ATTACK_FIELDS.epsilonL2 : ATTACK_FIELDS.epsilonLinf;
  request.curveEpsilons.forEach((e, i) => checkField(budget, e, `curve_epsilons[${i}]`));
  return { gallerySize, amplification };
}

/** A live attack's frame options with defaults, checked against the model's class count. */
export function resolveLiveAttackOptions(input: { topK?: number; frameEvery?: number; amplification?: number }, numClasses: number): { topK: number; frameEvery: number; amplification: number } {
  const f = LIVE_ATTACK_FIELDS;
  const topK = input.topK ?? Math.min(f.topK.default as number, numClasses);
  check(Number.isInteger(topK) && topK >= 1 && topK <= numClasses, 'top_k', `must be in [1, ${numClasses}], got ${topK}`);
  return {
    topK,
    frameEvery: checkField(f.frameEvery, input.frameEvery ?? (f.frameEvery.default as number)),
    amplification: checkField(f.amplification, input.amplification ?? (f.amplification.default as number)),
  };
}

/** INVALID_ARGUMENT naming `field` when an uploaded image is over the contract's 16 MiB. */
export function checkUploadSize(bytes: number, field: string): void {
  const max = IMPORT_FIELDS.maxUploadBytes;
  check(bytes <= max, field, `is ${bytes} bytes; an image may have at most ${max} (16 MiB)`);
}

/** The parts of an import request checked before any file is touched: the name and the image size. */
export function checkImportRequest(request: Pick<ImportDatasetRequest, 'name' | 'imageSize'>, reservedNames: readonly string[] = []): void {
  check(
    IMPORT_FIELDS.namePattern.test(request.name),
    'name',
    `must be 1-${IMPORT_FIELDS.nameMaxLength} characters of letters, digits, '.', '_' or '-', got "${request.name}"`,
  );
  check(!reservedNames.includes(request.name), 'name', `"${request.name}" is the bundled dataset's`);
  if (request.imageSize) checkField(IMPORT_FIELDS.imageSize, request.imageSize);
}

/** The settings of a study preset (notebook for unspecified). */
export function studyPresetSettings(preset: StudyPreset | undefined): StudyPresetSettings {
  return preset === StudyPreset.STUDY_PRESET_QUICK ? STUDY_PRESETS.quick : STUDY_PRESETS.notebook;
}

/**
 * The study config with every value filled in from its preset (notebook by default), checked.
 * The grid's axes are checked when the sweep is built from them.
 */
export function resolveStudyConfig(study: Partial<StudyConfig> | undefined): StudyConfig {
  const s = study ?? {};
  const preset = s.preset || StudyPreset.STUDY_PRESET_NOTEBOOK;
  check(preset in StudyPreset, 'study.preset', `is not a known preset (${preset})`);
  const p = studyPresetSettings(preset);
  const f = STUDY_FIELDS;
  const curve = s.curveEpsilons?.length ? s.curveEpsilons : [...p.curveEpsilons];
  checkField(ATTACK_REPORT_FIELDS.curvePoints, curve.length, 'study.curve_epsilons');
  curve.forEach((e, i) => checkField(ATTACK_FIELDS.epsilonLinf, e, `study.curve_epsilons[${i}]`));
  return {
    preset,
    grid: s.grid?.length ? s.grid : p.grid.map((axis) => ({ path: axis.path, values: [...axis.values] })),
    epochs: checkField(f.epochs, s.epochs ?? p.epochs),
    adversarialEpochs: checkField(f.adversarialEpochs, s.adversarialEpochs ?? p.adversarialEpochs),
    attackImages: checkField(f.attackImages, s.attackImages ?? p.attackImages),
    curveEpsilons: curve,
    testFolder: s.testFolder ?? '',
    adversarialEvalImages: checkField(f.adversarialEvalImages, s.adversarialEvalImages ?? p.adversarialEvalImages),
  };
}
