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
  AutoAttackVersion,
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
  const apgd = APGD_METHODS.has(method);
  const steps = apgd ? f.apgdSteps : purpose === 'train' ? f.trainingSteps : f.evaluationSteps;
  const defaultSteps = method === AttackMethod.ATTACK_METHOD_PGD || apgd ? (steps.default as number) : 1;
  const square = method === AttackMethod.ATTACK_METHOD_SQUARE;
  const autoattack = method === AttackMethod.ATTACK_METHOD_AUTOATTACK;
  const resolved: AttackConfig = {
    method,
    norm,
    epsilon: checkField(eps, a.epsilon ?? (eps.default as number), `${field}.epsilon`),
    stepSize: checkField(step, a.stepSize ?? (step.default as number), `${field}.step_size`),
    steps: checkField(steps, a.steps ?? defaultSteps, `${field}.steps`),
    randomStart: a.randomStart ?? f.randomStart.default,
    restarts: checkField(f.restarts, a.restarts ?? (f.restarts.default as number), `${field}.restarts`),
    targetClass: a.targetClass,
    loss: a.loss || LossKind.LOSS_KIND_UNSPECIFIED,
    autoattackVersion: autoattack ? a.autoattackVersion || AutoAttackVersion.AUTO_ATTACK_VERSION_STANDARD : AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED,
    queries: square ? checkField(f.squareQueries, a.queries ?? (f.squareQueries.default as number), `${field}.queries`) : a.queries,
  };
  const name = ATTACK_METHOD_LABELS[method] ?? String(method);
  check(resolved.loss in LossKind, `${field}.loss`, `is not a known loss (${resolved.loss})`);
  check(
    resolved.loss === LossKind.LOSS_KIND_UNSPECIFIED || !(apgd || square || autoattack),
    `${field}.loss`,
    `must be absent for ${name}, which climbs its own loss (${OWN_LOSS[method]})`,
  );
  check(
    resolved.targetClass === undefined || !(autoattack || method === AttackMethod.ATTACK_METHOD_APGD_T),
    `${field}.target_class`,
    `must be absent for ${name}: ${autoattack ? 'AutoAttack is untargeted (its APGD-T member picks its own targets)' : 'APGD-T picks its own targets, the most likely wrong classes'}`,
  );
  check(resolved.autoattackVersion in AutoAttackVersion, `${field}.autoattack_version`, `is not a known AutoAttack version (${resolved.autoattackVersion})`);
  check(
    !a.autoattackVersion || autoattack,
    `${field}.autoattack_version`,
    `applies to AutoAttack only, not ${name}`,
  );
  check(a.queries === undefined || square || autoattack, `${field}.queries`, `applies to Square and AutoAttack only, not ${name}`);
  if (autoattack && a.queries !== undefined) checkField(f.squareQueries, a.queries, `${field}.queries`);
  return resolved;
}

/** The APGD family: adaptive step size, the paper's 100 iterations by default. */
const APGD_METHODS: ReadonlySet<AttackMethod> = new Set([AttackMethod.ATTACK_METHOD_APGD_CE, AttackMethod.ATTACK_METHOD_APGD_DLR, AttackMethod.ATTACK_METHOD_APGD_T]);

/** How error messages name each method. */
const ATTACK_METHOD_LABELS: Readonly<Record<number, string>> = {
  [AttackMethod.ATTACK_METHOD_UNSPECIFIED]: 'PGD',
  [AttackMethod.ATTACK_METHOD_FGSM]: 'FGSM',
  [AttackMethod.ATTACK_METHOD_PGD]: 'PGD',
  [AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START]: 'FGSM with random start',
  [AttackMethod.ATTACK_METHOD_APGD_CE]: 'APGD-CE',
  [AttackMethod.ATTACK_METHOD_APGD_DLR]: 'APGD-DLR',
  [AttackMethod.ATTACK_METHOD_APGD_T]: 'APGD-T',
  [AttackMethod.ATTACK_METHOD_SQUARE]: 'Square',
  [AttackMethod.ATTACK_METHOD_AUTOATTACK]: 'AutoAttack',
};

const OWN_LOSS: Partial<Record<AttackMethod, string>> = {
  [AttackMethod.ATTACK_METHOD_APGD_CE]: 'cross-entropy on the logits',
  [AttackMethod.ATTACK_METHOD_APGD_DLR]: 'the DLR loss',
  [AttackMethod.ATTACK_METHOD_APGD_T]: 'the targeted DLR loss',
  [AttackMethod.ATTACK_METHOD_SQUARE]: 'the margin of the logits',
  [AttackMethod.ATTACK_METHOD_AUTOATTACK]: 'each member its own',
};

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
    `must be PGD or FGSM_RANDOM_START for adversarial training, got ${ATTACK_METHOD_LABELS[attack.method]} (evaluate a trained model with it instead)`,
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
  const norm = attack.norm === Norm.NORM_L2 ? 'l2' : 'linf';
  const common = { norm, eps: attack.epsilon as number, stepSize: attack.stepSize as number, randomStart: attack.randomStart ?? true } as const;
  const steps = attack.steps as number;
  const restarts = attack.restarts as number;
  switch (attack.method) {
    case AttackMethod.ATTACK_METHOD_FGSM:
    case AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START:
      return { ...common, kind: attack.method === AttackMethod.ATTACK_METHOD_FGSM ? 'fgsm' : 'fgsm-rs', steps: 1, restarts: 1, targetClass: attack.targetClass, loss: attackLossName(attack.loss) };
    case AttackMethod.ATTACK_METHOD_APGD_CE:
      return { ...common, kind: 'apgd', steps, restarts, targetClass: attack.targetClass, loss: 'cross-entropy' };
    case AttackMethod.ATTACK_METHOD_APGD_DLR:
      return { ...common, kind: 'apgd', steps, restarts, targetClass: attack.targetClass, loss: 'dlr' };
    case AttackMethod.ATTACK_METHOD_APGD_T:
      return { ...common, kind: 'apgd-t', steps, restarts, loss: 'dlr' };
    case AttackMethod.ATTACK_METHOD_SQUARE:
      return { ...common, kind: 'square', steps: attack.queries ?? (ATTACK_FIELDS.squareQueries.default as number), restarts, targetClass: attack.targetClass, loss: 'margin' };
    case AttackMethod.ATTACK_METHOD_AUTOATTACK:
      return {
        ...common,
        kind: 'autoattack',
        steps: 1,
        restarts: 1,
        autoAttack: attack.autoattackVersion === AutoAttackVersion.AUTO_ATTACK_VERSION_FAST ? 'fast' : 'standard',
        squareQueries: attack.queries,
      };
    default:
      return { ...common, kind: 'pgd', steps, restarts, targetClass: attack.targetClass, loss: attackLossName(attack.loss) };
  }
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
