import {
  AttackConfig,
  AttackMethod,
  AugmentationConfig,
  LossKind,
  LrSchedule,
  ModelConfig,
  Norm,
  TrainingConfig,
} from '@advlab/contract';
import { epsLabel } from '@advlab/attacks';
import { invalidArgument } from '@advlab/grpc-server';

/**
 * Request validation and defaults. Every function takes the (possibly partial)
 * proto message from a request, fills the documented defaults, checks ranges,
 * and throws INVALID_ARGUMENT naming the field (`training.epochs`, ...).
 * What comes out is what the run records: the full config, the seed always set.
 */

const DEFAULT_FEATURE_MAPS = [16, 32, 64];

function check(ok: boolean, field: string, message: string): void {
  if (!ok) throw invalidArgument(`${field} ${message}`);
}

function inRange(value: number, lo: number, hi: number, field: string, opts: { integer?: boolean; openLo?: boolean; openHi?: boolean } = {}): void {
  const okLo = opts.openLo ? value > lo : value >= lo;
  const okHi = opts.openHi ? value < hi : value <= hi;
  const okInt = !opts.integer || Number.isInteger(value);
  check(
    Number.isFinite(value) && okLo && okHi && okInt,
    field,
    `must be ${opts.integer ? 'an integer ' : ''}in ${opts.openLo ? '(' : '['}${lo}, ${hi}${opts.openHi ? ')' : ']'}, got ${value}`,
  );
}

/** The model config with defaults; `datasetImageSize` fills image_size = 0. */
export function resolveModelConfig(model: Partial<ModelConfig> | undefined, datasetImageSize: number, classNames: string[]): ModelConfig {
  const featureMaps = model?.featureMaps?.length ? [...model.featureMaps] : DEFAULT_FEATURE_MAPS;
  check(featureMaps.length <= 8, 'model.feature_maps', `may have at most 8 entries, got ${featureMaps.length}`);
  featureMaps.forEach((c, i) => inRange(c, 1, 1024, `model.feature_maps[${i}]`, { integer: true }));
  const dropRate = model?.dropRate ?? 0.2;
  inRange(dropRate, 0, 1, 'model.drop_rate', { openHi: true });
  const imageSize = model?.imageSize || datasetImageSize;
  inRange(imageSize, 8, 512, 'model.image_size', { integer: true });
  const blocks = featureMaps.length - 1;
  check(
    imageSize % 2 ** blocks === 0,
    'model.image_size',
    `${imageSize} is not divisible by 2^${blocks} (one 2x2 pooling per block): use fewer feature maps or another size`,
  );
  return {
    featureMaps,
    dropRate,
    batchNorm: model?.batchNorm ?? true,
    useSkip: model?.useSkip ?? true,
    imageSize,
    classNames,
  };
}

/** Alpha defaults of the batch-mixing methods. */
export const DEFAULT_MIXUP_ALPHA = 0.4;
export const DEFAULT_CUTMIX_ALPHA = 1.0;

function resolveAugmentation(aug: Partial<AugmentationConfig> | undefined): AugmentationConfig {
  let mix: AugmentationConfig['mix'];
  if (aug?.mix?.$case === 'mixup') {
    const alpha = aug.mix.value.alpha || DEFAULT_MIXUP_ALPHA;
    inRange(alpha, 0, 100, 'training.augmentation.mixup.alpha', { openLo: true });
    mix = { $case: 'mixup', value: { alpha } };
  } else if (aug?.mix?.$case === 'cutmix') {
    const alpha = aug.mix.value.alpha || DEFAULT_CUTMIX_ALPHA;
    inRange(alpha, 0, 100, 'training.augmentation.cutmix.alpha', { openLo: true });
    mix = { $case: 'cutmix', value: { alpha } };
  }
  const colorJitter = aug?.colorJitter ?? 0.2;
  inRange(colorJitter, 0, 1, 'training.augmentation.color_jitter');
  return { mix, horizontalFlip: aug?.horizontalFlip ?? true, colorJitter };
}

/** The training config with every default filled in. */
export function resolveTrainingConfig(training: Partial<TrainingConfig> | undefined): TrainingConfig {
  const t = training ?? {};
  const resolved: TrainingConfig = {
    epochs: t.epochs ?? 10,
    batchSize: t.batchSize ?? 32,
    learningRate: t.learningRate ?? 0.001,
    seed: t.seed ?? 1234,
    augmentation: resolveAugmentation(t.augmentation),
    loss: t.loss || LossKind.LOSS_KIND_CROSS_ENTROPY,
    validationFraction: t.validationFraction ?? 0.1,
    stratified: t.stratified ?? true,
    lrSchedule: t.lrSchedule || LrSchedule.LR_SCHEDULE_CONSTANT,
    earlyStoppingPatience: t.earlyStoppingPatience ?? 0,
    weightDecay: t.weightDecay ?? 0,
  };
  inRange(resolved.epochs as number, 1, 1000, 'training.epochs', { integer: true });
  inRange(resolved.batchSize as number, 1, 4096, 'training.batch_size', { integer: true });
  inRange(resolved.learningRate as number, 0, 1, 'training.learning_rate', { openLo: true });
  inRange(resolved.seed as number, 0, 2 ** 32 - 1, 'training.seed', { integer: true });
  check(resolved.loss in LossKind && resolved.loss !== LossKind.LOSS_KIND_UNSPECIFIED, 'training.loss', `is not a known loss (${resolved.loss})`);
  inRange(resolved.validationFraction as number, 0.01, 0.5, 'training.validation_fraction');
  check(resolved.lrSchedule in LrSchedule, 'training.lr_schedule', `is not a known schedule (${resolved.lrSchedule})`);
  inRange(resolved.earlyStoppingPatience, 0, 1000, 'training.early_stopping_patience', { integer: true });
  inRange(resolved.weightDecay, 0, 1, 'training.weight_decay');
  return resolved;
}

/** Where an attack is used: evaluation (20 PGD steps) or adversarial training (10). */
export type AttackPurpose = 'evaluate' | 'train';

/** eps = 8/255, the usual L-infinity budget in pixel scale. */
export const DEFAULT_LINF_EPSILON = 8 / 255;

/** The attack config with every default filled in; `field` prefixes error messages. */
export function resolveAttackConfig(attack: Partial<AttackConfig> | undefined, purpose: AttackPurpose, field = 'attack'): AttackConfig {
  const a = attack ?? {};
  const method = a.method || AttackMethod.ATTACK_METHOD_PGD;
  check(method in AttackMethod, `${field}.method`, `is not a known attack (${method})`);
  const norm = a.norm || Norm.NORM_LINF;
  check(norm in Norm, `${field}.norm`, `is not a known norm (${norm})`);
  const linf = norm === Norm.NORM_LINF;
  const resolved: AttackConfig = {
    method,
    norm,
    epsilon: a.epsilon ?? (linf ? DEFAULT_LINF_EPSILON : 0.5),
    stepSize: a.stepSize ?? (linf ? 0.002 : 0.1),
    steps: a.steps ?? (method === AttackMethod.ATTACK_METHOD_PGD ? (purpose === 'train' ? 10 : 20) : 1),
    randomStart: a.randomStart ?? true,
    restarts: a.restarts ?? 1,
    targetClass: a.targetClass,
    loss: a.loss || LossKind.LOSS_KIND_UNSPECIFIED,
  };
  inRange(resolved.epsilon as number, 0, linf ? 1 : 64, `${field}.epsilon`);
  inRange(resolved.stepSize as number, 0, 64, `${field}.step_size`, { openLo: true });
  inRange(resolved.steps as number, 1, 1000, `${field}.steps`, { integer: true });
  inRange(resolved.restarts as number, 1, 100, `${field}.restarts`, { integer: true });
  check(resolved.loss in LossKind, `${field}.loss`, `is not a known loss (${resolved.loss})`);
  return resolved;
}

/** Epsilon in 255ths for reports: `8/255`, `7.98/255`; the API writes zero as `0/255` too. */
export function epsilonLabel(epsilon: number): string {
  return epsilon === 0 ? '0/255' : epsLabel(epsilon);
}
