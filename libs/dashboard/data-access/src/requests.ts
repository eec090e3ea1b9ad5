/** Validated form data (from `@advlab/dashboard-util` schemas) to wire requests. */
import {
  AdversarialTrainRequest,
  AttackMethod,
  AugmentationConfig,
  AutoAttackVersion,
  ImportDatasetRequest,
  LossKind,
  LrSchedule,
  Norm,
  SweepRankBy,
  SweepRequest,
  TrainRequest,
  type AttackConfig,
  type ModelConfig,
  type TrainingConfig,
} from '@advlab/contract';
import type { AdversarialRequestData, AttackSettings, ImportDatasetRequestData, ModelFields, SweepRequestData, TrainRequestData, TrainingFields } from '@advlab/dashboard-util';

export function toWireModel(model: ModelFields): ModelConfig {
  return { featureMaps: model.featureMaps, dropRate: model.dropRate, batchNorm: model.batchNorm, useSkip: model.useSkip, imageSize: 0, classNames: [] };
}

export function toWireTraining(training: TrainingFields): TrainingConfig {
  const augmentation = AugmentationConfig.fromPartial({
    horizontalFlip: training.horizontalFlip,
    colorJitter: training.colorJitter,
    mix:
      training.mix === 'mixup'
        ? { $case: 'mixup', value: { alpha: training.mixAlpha } }
        : training.mix === 'cutmix'
          ? { $case: 'cutmix', value: { alpha: training.mixAlpha } }
          : undefined,
  });
  return {
    epochs: training.epochs,
    batchSize: training.batchSize,
    learningRate: training.learningRate,
    seed: training.seed,
    augmentation,
    loss: training.loss === 'ova' ? LossKind.LOSS_KIND_ONE_VS_ALL : LossKind.LOSS_KIND_CROSS_ENTROPY,
    validationFraction: training.validationFraction,
    stratified: true,
    lrSchedule: training.lrSchedule === 'cosine' ? LrSchedule.LR_SCHEDULE_COSINE : LrSchedule.LR_SCHEDULE_CONSTANT,
    earlyStoppingPatience: 0,
    weightDecay: 0,
  };
}

export function toTrainRequest(data: TrainRequestData): TrainRequest {
  return TrainRequest.fromPartial({ datasetId: data.datasetId, name: data.name, model: toWireModel(data.model), training: toWireTraining(data.training) });
}

export function toAdversarialTrainRequest(data: AdversarialRequestData): AdversarialTrainRequest {
  const a = data.adversarial;
  const attack: AttackConfig = {
    method: a.method === 'fgsm-rs' ? AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START : AttackMethod.ATTACK_METHOD_PGD,
    norm: Norm.NORM_LINF,
    epsilon: a.epsilon255 / 255,
    stepSize: a.stepSize255 / 255,
    steps: a.steps,
    randomStart: true,
    loss: LossKind.LOSS_KIND_UNSPECIFIED,
    autoattackVersion: AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED,
  };
  return AdversarialTrainRequest.fromPartial({
    datasetId: data.datasetId,
    name: data.name,
    baseModelId: data.baseModelId,
    model: toWireModel(data.model),
    training: toWireTraining(data.training),
    adversarial: { attack, evalImages: a.evalImages },
  });
}

export function toSweepRequest(data: SweepRequestData): SweepRequest {
  return SweepRequest.fromPartial({
    datasetId: data.datasetId,
    name: data.name,
    model: toWireModel(data.model),
    training: toWireTraining(data.training),
    sweep: {
      axes: data.axes.map((axis) => ({ path: axis.path, values: axis.values })),
      rankBy: data.rankBy === 'robust' ? SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY : SweepRankBy.SWEEP_RANK_BY_VAL_ACCURACY,
    },
  });
}

const WIRE_METHODS: Record<AttackSettings['method'], AttackMethod> = {
  pgd: AttackMethod.ATTACK_METHOD_PGD,
  fgsm: AttackMethod.ATTACK_METHOD_FGSM,
  'apgd-ce': AttackMethod.ATTACK_METHOD_APGD_CE,
  'apgd-dlr': AttackMethod.ATTACK_METHOD_APGD_DLR,
  'apgd-t': AttackMethod.ATTACK_METHOD_APGD_T,
  square: AttackMethod.ATTACK_METHOD_SQUARE,
  autoattack: AttackMethod.ATTACK_METHOD_AUTOATTACK,
};

/** Square's query budget from the dashboard: AutoAttack (fast)'s, quick enough for a page that waits. */
export const DASHBOARD_SQUARE_QUERIES = 300;

/**
 * The dashboard's attack settings (/255 units) as an L-infinity AttackConfig: PGD and FGSM as
 * given, the APGD attacks with `steps` iterations (their step size adapts), Square with
 * {@link DASHBOARD_SQUARE_QUERIES} queries, AutoAttack in its fast version.
 */
export function toWireAttack(settings: AttackSettings): AttackConfig {
  const method = settings.method;
  return {
    method: WIRE_METHODS[method],
    norm: Norm.NORM_LINF,
    epsilon: settings.epsilon255 / 255,
    stepSize: settings.stepSize255 / 255,
    steps: method === 'square' || method === 'autoattack' ? undefined : settings.steps,
    randomStart: method === 'pgd',
    loss: LossKind.LOSS_KIND_UNSPECIFIED,
    autoattackVersion: method === 'autoattack' ? AutoAttackVersion.AUTO_ATTACK_VERSION_FAST : AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED,
    queries: method === 'square' ? DASHBOARD_SQUARE_QUERIES : undefined,
  };
}

/** The import form as an ImageFolder ImportDatasetRequest (the trainer's default pixel limit). */
export function toImportDatasetRequest(data: ImportDatasetRequestData): ImportDatasetRequest {
  return ImportDatasetRequest.fromPartial({
    name: data.name,
    source: { $case: 'imageFolder', value: data.folder },
    imageSize: data.imageSize,
    testFolder: data.testFolder ?? '',
    maxPixels: 0,
  });
}
