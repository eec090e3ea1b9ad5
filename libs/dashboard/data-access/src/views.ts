import { ATTACK_FIELDS } from '@advlab/config';
/** Wire messages to the dashboard's views (`@advlab/dashboard-util` defines them). */
import {
  AttackMethod,
  AutoAttackVersion,
  CheckpointReason,
  LossKind,
  LrSchedule,
  Norm,
  RunKind,
  RunStatus,
  SweepRankBy,
  WorkerRole,
  WorkerState,
  type AttackConfig,
  type AttackFrame,
  type AttackResponse,
  type Dataset,
  type EpochMetrics,
  type EvaluateResponse,
  type GalleryItem,
  type ImportDatasetResponse,
  type Model,
  type ModelConfig,
  type Prediction,
  type RobustResult,
  type Run,
  type RunEvent,
  type Sample,
  type SweepTrial,
  type TrainingConfig,
  type Worker,
} from '@advlab/contract';
import type {
  RunKindView,
  RunStatusView,
  AttackMethodView,
  ModelConfigView,
  TrainingConfigView,
  AttackConfigView,
  EpochView,
  TrialView,
  RunView,
  PredictionView,
  RobustView,
  ModelView,
  EvaluationView,
  GalleryItemView,
  GalleryView,
  DatasetView,
  ImportEventView,
  SampleView,
  AttackFrameView,
  RunEventView,
  WorkerRoleView,
  WorkerStateView,
  WorkerView,
} from '@advlab/dashboard-util';

const iso = (date: Date | undefined): string | null => (date && date.getTime() > 0 ? date.toISOString() : null);

/** A float32 from the wire at the precision it was meant with: 0.20000000298 -> 0.2. */
export const f32 = (value: number): number => (Number.isFinite(value) ? Number(value.toPrecision(6)) : value);

/** PNG bytes as a data URL an <img> can show; empty for no bytes. */
export function pngDataUrl(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  return `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
}

export function toRunKind(kind: RunKind): RunKindView {
  switch (kind) {
    case RunKind.RUN_KIND_ADVERSARIAL_TRAIN:
      return 'adversarial';
    case RunKind.RUN_KIND_SWEEP:
      return 'sweep';
    case RunKind.RUN_KIND_STUDY:
      return 'study';
    default:
      return 'train';
  }
}

export function fromRunKind(kind: RunKindView): RunKind {
  return { train: RunKind.RUN_KIND_TRAIN, adversarial: RunKind.RUN_KIND_ADVERSARIAL_TRAIN, sweep: RunKind.RUN_KIND_SWEEP, study: RunKind.RUN_KIND_STUDY }[kind];
}

const STATUS_TO_VIEW: Partial<Record<RunStatus, RunStatusView>> = {
  [RunStatus.RUN_STATUS_QUEUED]: 'queued',
  [RunStatus.RUN_STATUS_RUNNING]: 'running',
  [RunStatus.RUN_STATUS_SUCCEEDED]: 'succeeded',
  [RunStatus.RUN_STATUS_FAILED]: 'failed',
  [RunStatus.RUN_STATUS_CANCELLED]: 'cancelled',
  [RunStatus.RUN_STATUS_INTERRUPTED]: 'interrupted',
};

export function toRunStatus(status: RunStatus): RunStatusView {
  return STATUS_TO_VIEW[status] ?? 'queued';
}

export function fromRunStatus(status: RunStatusView): RunStatus {
  return { queued: RunStatus.RUN_STATUS_QUEUED, running: RunStatus.RUN_STATUS_RUNNING, succeeded: RunStatus.RUN_STATUS_SUCCEEDED, failed: RunStatus.RUN_STATUS_FAILED, cancelled: RunStatus.RUN_STATUS_CANCELLED, interrupted: RunStatus.RUN_STATUS_INTERRUPTED }[status];
}

const METHOD_VIEWS: Partial<Record<AttackMethod, AttackMethodView>> = {
  [AttackMethod.ATTACK_METHOD_FGSM]: 'fgsm',
  [AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START]: 'fgsm-rs',
  [AttackMethod.ATTACK_METHOD_APGD_CE]: 'apgd-ce',
  [AttackMethod.ATTACK_METHOD_APGD_DLR]: 'apgd-dlr',
  [AttackMethod.ATTACK_METHOD_APGD_T]: 'apgd-t',
  [AttackMethod.ATTACK_METHOD_SQUARE]: 'square',
  [AttackMethod.ATTACK_METHOD_AUTOATTACK]: 'autoattack',
};

export function toAttackMethod(method: AttackMethod): AttackMethodView {
  return METHOD_VIEWS[method] ?? 'pgd';
}

export function toModelConfig(config: ModelConfig | undefined): ModelConfigView {
  return {
    featureMaps: config?.featureMaps ?? [],
    dropRate: f32(config?.dropRate ?? 0.2),
    batchNorm: config?.batchNorm ?? true,
    useSkip: config?.useSkip ?? true,
    imageSize: config?.imageSize ?? 0,
    classNames: config?.classNames ?? [],
  };
}

export function toTrainingConfig(config: TrainingConfig | undefined): TrainingConfigView {
  const mix = config?.augmentation?.mix;
  return {
    epochs: config?.epochs ?? 10,
    batchSize: config?.batchSize ?? 32,
    learningRate: config?.learningRate ?? 0.001,
    seed: config?.seed ?? 1234,
    loss: config?.loss === LossKind.LOSS_KIND_ONE_VS_ALL ? 'ova' : 'ce',
    mix: mix?.$case ?? 'none',
    mixAlpha: mix ? f32(mix.value.alpha) : null,
    horizontalFlip: config?.augmentation?.horizontalFlip ?? true,
    colorJitter: f32(config?.augmentation?.colorJitter ?? 0.2),
    lrSchedule: config?.lrSchedule === LrSchedule.LR_SCHEDULE_COSINE ? 'cosine' : 'constant',
    validationFraction: f32(config?.validationFraction ?? 0.1),
    weightDecay: f32(config?.weightDecay ?? 0),
    earlyStoppingPatience: config?.earlyStoppingPatience ?? 0,
  };
}

export function toAttackConfig(config: AttackConfig | undefined): AttackConfigView {
  const norm = config?.norm === Norm.NORM_L2 ? 'l2' : 'linf';
  return {
    method: toAttackMethod(config?.method ?? AttackMethod.ATTACK_METHOD_UNSPECIFIED),
    norm,
    epsilon: f32(config?.epsilon ?? ((norm === 'l2' ? ATTACK_FIELDS.epsilonL2 : ATTACK_FIELDS.epsilonLinf).default as number)),
    stepSize: f32(config?.stepSize ?? ((norm === 'l2' ? ATTACK_FIELDS.stepSizeL2 : ATTACK_FIELDS.stepSizeLinf).default as number)),
    steps: config?.steps ?? (ATTACK_FIELDS.evaluationSteps.default as number),
    randomStart: config?.randomStart ?? ATTACK_FIELDS.randomStart.default,
    restarts: config?.restarts ?? (ATTACK_FIELDS.restarts.default as number),
    version: config?.method !== AttackMethod.ATTACK_METHOD_AUTOATTACK ? null : config.autoattackVersion === AutoAttackVersion.AUTO_ATTACK_VERSION_FAST ? 'fast' : 'standard',
    queries: config?.queries ?? null,
  };
}

export function toEpoch(metrics: EpochMetrics): EpochView {
  return {
    epoch: metrics.epoch,
    trainLoss: metrics.trainLoss,
    trainAccuracy: metrics.trainAccuracy,
    valLoss: metrics.valLoss,
    valAccuracy: metrics.valAccuracy,
    robustValAccuracy: metrics.robustValAccuracy ?? null,
    learningRate: metrics.learningRate,
    seconds: metrics.seconds,
    imagesPerSecond: metrics.imagesPerSecond,
  };
}

export function toTrial(trial: SweepTrial): TrialView {
  return {
    index: trial.index,
    total: trial.total,
    overrides: { ...trial.overrides },
    runId: trial.runId,
    modelId: trial.modelId,
    status: toRunStatus(trial.status),
    valAccuracy: trial.valAccuracy,
    trainAccuracy: trial.trainAccuracy,
    valLoss: trial.valLoss,
    robustAccuracy: trial.robustAccuracy ?? null,
    rank: trial.rank,
    seconds: trial.seconds,
  };
}

export function toRun(run: Run): RunView {
  const kind = toRunKind(run.kind);
  return {
    id: run.id,
    name: run.name,
    kind,
    status: toRunStatus(run.status),
    datasetId: run.datasetId,
    datasetName: '',
    model: toModelConfig(run.model),
    training: toTrainingConfig(run.training),
    adversarial: run.adversarial
      ? {
          attack: toAttackConfig(run.adversarial.attack),
          evalAttack: run.adversarial.evalAttack ? toAttackConfig(run.adversarial.evalAttack) : null,
          evalImages: run.adversarial.evalImages ?? 256,
        }
      : null,
    sweep: run.sweep
      ? {
          axes: run.sweep.axes.map((axis) => ({ path: axis.path, values: [...axis.values] })),
          rankBy: run.sweep.rankBy === SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY ? 'robust' : 'val',
        }
      : null,
    baseModelId: run.baseModelId,
    parentRunId: run.parentRunId,
    history: run.history.map(toEpoch),
    bestValAccuracy: run.history.length > 0 || run.bestValAccuracy > 0 ? run.bestValAccuracy : null,
    bestRobustAccuracy: run.bestRobustAccuracy ?? null,
    modelId: run.modelId,
    error: run.error,
    backend: run.backend,
    createdAt: iso(run.createdAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    trials: run.trials.map(toTrial),
  };
}

export function toPrediction(prediction: Prediction | undefined): PredictionView | null {
  if (!prediction) return null;
  return {
    classIndex: prediction.classIndex,
    label: prediction.label,
    confidence: prediction.confidence,
    topK: prediction.topK.map((p) => ({ classIndex: p.classIndex, label: p.label, probability: p.probability })),
  };
}

export function toRobust(result: RobustResult): RobustView {
  return {
    attack: toAttackConfig(result.attack),
    epsilonLabel: result.epsilonLabel,
    numImages: result.numImages,
    cleanAccuracy: result.cleanAccuracy,
    robustAccuracy: result.robustAccuracy,
    attackSuccessRate: result.attackSuccessRate,
    meanLoss: result.meanLoss,
    sanity: result.sanity ? { ...result.sanity } : null,
    seconds: result.seconds,
    cascade: result.cascade.map((s) => ({ attack: s.attack, broken: s.broken, robustAccuracy: s.robustAccuracy })),
    warnings: [...result.warnings],
  };
}

export function toModel(model: Model): ModelView {
  return {
    id: model.id,
    name: model.name,
    runId: model.runId,
    datasetId: model.datasetId,
    config: toModelConfig(model.config),
    adversarial: model.adversarial !== undefined,
    numParameters: model.numParameters,
    valAccuracy: model.valAccuracy,
    robustAccuracy: model.robustAccuracy ?? null,
    epoch: model.epoch,
    sizeBytes: model.sizeBytes,
    createdAt: iso(model.createdAt),
    evaluations: model.evaluations.map(toRobust),
  };
}

export function toEvaluation(response: EvaluateResponse): EvaluationView {
  const labels = response.confusion?.labels ?? response.perClass.map((c) => c.label);
  const counts = response.confusion?.counts ?? [];
  const n = labels.length;
  return {
    modelId: response.modelId,
    numImages: response.numImages,
    loss: response.loss,
    accuracy: response.accuracy,
    perClass: response.perClass.map((c) => ({ classIndex: c.classIndex, label: c.label, accuracy: c.accuracy, support: c.support })),
    confusion: { labels, counts: Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => counts[i * n + j] ?? 0)) },
    robust: response.robust.map(toRobust),
    worstCaseAccuracy: response.worstCaseAccuracy,
    seconds: response.seconds,
  };
}

export function toGalleryItem(item: GalleryItem): GalleryItemView {
  return {
    index: item.index,
    trueClass: item.trueClass,
    trueLabel: item.trueLabel,
    clean: toPrediction(item.clean),
    adversarial: toPrediction(item.adversarial),
    cleanPng: pngDataUrl(item.cleanPng),
    adversarialPng: pngDataUrl(item.adversarialPng),
    perturbationPng: pngDataUrl(item.perturbationPng),
    maxPerturbation: item.maxPerturbation,
    success: item.success,
    brokenBy: item.brokenBy || null,
  };
}

export function toGallery(response: AttackResponse): GalleryView {
  return {
    result: response.result ? toRobust(response.result) : null,
    items: response.gallery.map(toGalleryItem),
    curve: response.curve.map((p) => ({ epsilon: p.epsilon, accuracy: p.accuracy })),
  };
}

export function toDataset(dataset: Dataset): DatasetView {
  return {
    id: dataset.id,
    name: dataset.name,
    source: dataset.source,
    imageSize: dataset.imageSize,
    classNames: [...dataset.classNames],
    trainCounts: [...dataset.trainCounts],
    testCounts: [...dataset.testCounts],
    skipped: dataset.skipped.map((s) => ({ path: s.path, reason: s.reason })),
    createdAt: iso(dataset.createdAt),
    builtin: dataset.builtin,
  };
}

/** An ImportDataset message as the route streams it; `null` for an empty message. */
export function toImportEvent(response: ImportDatasetResponse): ImportEventView | null {
  const event = response.event;
  if (event?.$case === 'progress') return { type: 'progress', done: event.value.done, total: event.value.total, skipped: event.value.skipped };
  if (event?.$case === 'dataset') return { type: 'dataset', dataset: toDataset(event.value) };
  return null;
}

export function toSample(sample: Sample, classNames: readonly string[]): SampleView {
  const weights = Object.entries(sample.labelWeights)
    .map(([index, weight]) => ({ classIndex: Number(index), label: classNames[Number(index)] ?? index, weight }))
    .sort((a, b) => b.weight - a.weight);
  return { index: sample.index, png: pngDataUrl(sample.png), classIndex: sample.classIndex, label: sample.label, weights };
}

export function toAttackFrame(frame: AttackFrame): AttackFrameView {
  return {
    step: frame.step,
    totalSteps: frame.totalSteps,
    imagePng: pngDataUrl(frame.imagePng),
    perturbationPng: pngDataUrl(frame.perturbationPng),
    prediction: toPrediction(frame.prediction),
    loss: frame.loss,
    maxPerturbation: frame.maxPerturbation,
    success: frame.success,
    trueClass: frame.trueClass,
  };
}

const CHECKPOINT_REASONS: Record<CheckpointReason, 'best' | 'last' | 'unspecified'> = {
  [CheckpointReason.CHECKPOINT_REASON_UNSPECIFIED]: 'unspecified',
  [CheckpointReason.CHECKPOINT_REASON_BEST]: 'best',
  [CheckpointReason.CHECKPOINT_REASON_LAST]: 'last',
};

export function toRunEvent(event: RunEvent): RunEventView {
  const base = { runId: event.runId, sequence: event.sequence, time: iso(event.time) };
  const e = event.event;
  switch (e?.$case) {
    case 'created':
      return { ...base, type: 'created', run: e.value.run ? toRun(e.value.run) : null };
    case 'status':
      return { ...base, type: 'status', status: toRunStatus(e.value.status), queuePosition: e.value.queuePosition };
    case 'batch':
      return { ...base, type: 'batch', ...e.value };
    case 'epoch':
      return { ...base, type: 'epoch', metrics: toEpoch(e.value) };
    case 'checkpoint':
      return { ...base, type: 'checkpoint', epoch: e.value.epoch, reason: CHECKPOINT_REASONS[e.value.reason] ?? 'unspecified', accuracy: e.value.accuracy };
    case 'trial':
      return { ...base, type: 'trial', trial: toTrial(e.value) };
    case 'finished':
      return { ...base, type: 'finished', run: e.value.run ? toRun(e.value.run) : null, modelId: e.value.model?.id ?? e.value.run?.modelId ?? '' };
    case 'failed':
      return { ...base, type: 'failed', error: e.value.error };
    case 'cancelled':
      return { ...base, type: 'cancelled', epochsCompleted: e.value.epochsCompleted };
    case 'interrupted':
      return { ...base, type: 'interrupted', epochsCompleted: e.value.epochsCompleted, reason: e.value.reason };
    case 'handover':
      return { ...base, type: 'handover', fromWorker: e.value.fromWorker, toWorker: e.value.toWorker, resumedAfterEpoch: e.value.resumedAfterEpoch, reason: e.value.reason };
    default:
      return { ...base, type: 'unknown' };
  }
}

export function toWorkerRole(role: WorkerRole): WorkerRoleView {
  switch (role) {
    case WorkerRole.WORKER_ROLE_API:
      return 'api';
    case WorkerRole.WORKER_ROLE_WORKER:
      return 'worker';
    default:
      return 'all';
  }
}

/** An unknown state is shown as lost: nothing vouches for the process. */
export function toWorkerState(state: WorkerState): WorkerStateView {
  switch (state) {
    case WorkerState.WORKER_STATE_ALIVE:
      return 'alive';
    case WorkerState.WORKER_STATE_STOPPED:
      return 'stopped';
    default:
      return 'lost';
  }
}

export function toWorker(worker: Worker): WorkerView {
  return {
    id: worker.id,
    role: toWorkerRole(worker.role),
    state: toWorkerState(worker.state),
    host: worker.host,
    pid: worker.pid,
    backend: worker.backend,
    threads: worker.threads,
    runIds: [...worker.runIds],
    slots: worker.slots,
    startedAt: iso(worker.startedAt),
    heartbeatAt: iso(worker.heartbeatAt),
    version: worker.version,
  };
}
