import {
  AdversarialConfig,
  AttackConfig,
  ModelConfig,
  SweepConfig,
  TrainingConfig,
  type Dataset,
  type EpochMetrics,
  type Model,
  type RobustResult,
  type Run,
  type SweepTrial,
  type Worker,
} from '@advlab/contract';
import { kindName, statusName, workerRoleName, workerStateName } from './format';

/*
 * The JSON that --json prints. Resources are written with every field present
 * (a zero accuracy is 0, not missing), enums as short lower-case names and
 * times as ISO strings; configs use the proto3 JSON mapping.
 */

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
const opt = (v: number | undefined) => (v === undefined ? null : v);

export function epochJson(e: EpochMetrics) {
  return {
    epoch: e.epoch,
    trainLoss: e.trainLoss,
    trainAccuracy: e.trainAccuracy,
    valLoss: e.valLoss,
    valAccuracy: e.valAccuracy,
    robustValAccuracy: opt(e.robustValAccuracy),
    learningRate: e.learningRate,
    seconds: e.seconds,
    imagesPerSecond: e.imagesPerSecond,
  };
}

export function trialJson(t: SweepTrial) {
  return {
    index: t.index,
    total: t.total,
    overrides: t.overrides,
    runId: t.runId,
    modelId: t.modelId,
    status: statusName(t.status),
    valAccuracy: t.valAccuracy,
    trainAccuracy: t.trainAccuracy,
    valLoss: t.valLoss,
    robustAccuracy: opt(t.robustAccuracy),
    rank: t.rank,
    seconds: t.seconds,
  };
}

export function runJson(run: Run) {
  return {
    id: run.id,
    name: run.name,
    kind: kindName(run.kind),
    status: statusName(run.status),
    datasetId: run.datasetId,
    baseModelId: run.baseModelId,
    parentRunId: run.parentRunId,
    modelId: run.modelId,
    error: run.error,
    backend: run.backend,
    bestValAccuracy: run.bestValAccuracy,
    bestRobustAccuracy: opt(run.bestRobustAccuracy),
    model: run.model ? ModelConfig.toJSON(run.model) : null,
    training: run.training ? TrainingConfig.toJSON(run.training) : null,
    adversarial: run.adversarial ? AdversarialConfig.toJSON(run.adversarial) : null,
    sweep: run.sweep ? SweepConfig.toJSON(run.sweep) : null,
    history: run.history.map(epochJson),
    trials: run.trials.map(trialJson),
    createdAt: iso(run.createdAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
  };
}

export function robustJson(r: RobustResult) {
  return {
    attack: r.attack ? AttackConfig.toJSON(r.attack) : null,
    epsilon: r.attack?.epsilon ?? null,
    epsilonLabel: r.epsilonLabel,
    numImages: r.numImages,
    cleanAccuracy: r.cleanAccuracy,
    robustAccuracy: r.robustAccuracy,
    attackSuccessRate: r.attackSuccessRate,
    meanLoss: r.meanLoss,
    sanity: r.sanity ?? null,
    seconds: r.seconds,
    cascade: r.cascade.map((s) => ({ attack: s.attack, broken: s.broken, robustAccuracy: s.robustAccuracy })),
    warnings: r.warnings,
  };
}

export function modelJson(m: Model) {
  return {
    id: m.id,
    name: m.name,
    runId: m.runId,
    datasetId: m.datasetId,
    config: m.config ? ModelConfig.toJSON(m.config) : null,
    classNames: m.config?.classNames ?? [],
    training: m.training ? TrainingConfig.toJSON(m.training) : null,
    adversarial: m.adversarial ? AdversarialConfig.toJSON(m.adversarial) : null,
    numParameters: m.numParameters,
    valAccuracy: m.valAccuracy,
    robustAccuracy: opt(m.robustAccuracy),
    epoch: m.epoch,
    sizeBytes: m.sizeBytes,
    createdAt: iso(m.createdAt),
    evaluations: m.evaluations.map(robustJson),
  };
}

export function datasetJson(d: Dataset) {
  return {
    id: d.id,
    name: d.name,
    source: d.source,
    imageSize: d.imageSize,
    classNames: d.classNames,
    trainCounts: d.trainCounts,
    testCounts: d.testCounts,
    skipped: d.skipped,
    builtin: d.builtin,
    createdAt: iso(d.createdAt),
  };
}

export function workerJson(w: Worker) {
  return {
    id: w.id,
    role: workerRoleName(w.role),
    state: workerStateName(w.state),
    host: w.host,
    pid: w.pid,
    backend: w.backend,
    threads: w.threads,
    runIds: w.runIds,
    slots: w.slots,
    startedAt: iso(w.startedAt),
    heartbeatAt: iso(w.heartbeatAt),
    version: w.version,
  };
}
