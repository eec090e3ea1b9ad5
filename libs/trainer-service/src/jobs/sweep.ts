import {
  ModelConfig,
  Run,
  RunKind,
  RunStatus,
  SweepRankBy,
  TrainingConfig,
  type SweepAxis,
  type SweepConfig,
  type SweepTrial,
} from '@advlab/contract';
import { invalidArgument } from '@advlab/grpc-server';
import type { JobContext, JobResult } from '../runs';
import type { TrainingSpec } from './training';

/** Largest grid a sweep may run. */
export const MAX_SWEEP_TRIALS = 256;

/** One configuration of the grid. */
export interface SweepPoint {
  /** Axis path -> JSON value, as requested. */
  overrides: Record<string, string>;
  model: Partial<ModelConfig>;
  training: Partial<TrainingConfig>;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Sets `value` at a dotted camelCase path inside a JSON object, creating objects on the way. */
function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/**
 * The cartesian product of the axes over the base configs. Axis paths are
 * `model.<field>` or `training.<field>` in the proto's snake_case (nested
 * fields dotted, e.g. `training.augmentation.mixup.alpha`); values are JSON.
 */
export function sweepGrid(base: { model?: Partial<ModelConfig>; training?: Partial<TrainingConfig> }, axes: SweepAxis[]): SweepPoint[] {
  if (!axes.length) throw invalidArgument('sweep.axes must have at least one axis');
  const parsed = axes.map((axis, i) => {
    const field = `sweep.axes[${i}]`;
    const parts = axis.path.split('.').filter(Boolean);
    if (parts.length < 2 || (parts[0] !== 'model' && parts[0] !== 'training')) {
      throw invalidArgument(`${field}.path must start with "model." or "training.", got "${axis.path}"`);
    }
    if (!axis.values.length) throw invalidArgument(`${field}.values must not be empty`);
    const values = axis.values.map((text, j) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw invalidArgument(`${field}.values[${j}] is not JSON: ${text} (strings need quotes, lists look like [32,64])`);
      }
    });
    return { path: axis.path, root: parts[0] as 'model' | 'training', keys: parts.slice(1).map(camel), texts: axis.values, values };
  });
  const total = parsed.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_SWEEP_TRIALS) throw invalidArgument(`the sweep grid has ${total} configurations; at most ${MAX_SWEEP_TRIALS}`);

  const points: SweepPoint[] = [];
  for (let index = 0; index < total; index++) {
    const json = {
      model: ModelConfig.toJSON(ModelConfig.fromPartial(base.model ?? {})) as Record<string, unknown>,
      training: TrainingConfig.toJSON(TrainingConfig.fromPartial(base.training ?? {})) as Record<string, unknown>,
    };
    const overrides: Record<string, string> = {};
    let rest = index;
    for (const axis of [...parsed].reverse()) {
      const j = rest % axis.values.length;
      rest = Math.floor(rest / axis.values.length);
      setPath(json[axis.root], axis.keys, axis.values[j]);
      overrides[axis.path] = axis.texts[j];
    }
    let model: ModelConfig;
    let training: TrainingConfig;
    try {
      model = ModelConfig.fromJSON(json.model);
      training = TrainingConfig.fromJSON(json.training);
    } catch (err) {
      throw invalidArgument(`sweep configuration ${JSON.stringify(overrides)} is not valid: ${(err as Error).message}`);
    }
    points.push({ overrides: orderLike(parsed.map((a) => a.path), overrides), model, training });
  }
  return points;
}

function orderLike(paths: string[], overrides: Record<string, string>): Record<string, string> {
  return Object.fromEntries(paths.map((p) => [p, overrides[p]]));
}

/** The score a trial is ranked by. */
export function trialScore(trial: SweepTrial, rankBy: SweepRankBy): number {
  if (trial.status !== RunStatus.RUN_STATUS_SUCCEEDED) return -Infinity;
  return rankBy === SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY ? (trial.robustAccuracy ?? -Infinity) : trial.valAccuracy;
}

/** Trials sorted best first with ranks from 1. */
export function rankTrials(trials: SweepTrial[], rankBy: SweepRankBy): SweepTrial[] {
  const sorted = [...trials].sort((a, b) => trialScore(b, rankBy) - trialScore(a, rankBy) || a.index - b.index);
  return sorted.map((t, i) => ({ ...t, rank: i + 1 }));
}

/** The id of a sweep's trial: the sweep's id and the trial's number, so a resumed sweep finds its trials again. */
export function trialRunId(sweepRunId: string, index: number): string {
  return `${sweepRunId}-t${index + 1}`;
}

/**
 * The sweep job: each configuration trains as a child run (on one machine one
 * after another in the sweep's slot; scaled out, on any free worker at once).
 * As each ends, its result is recorded on the sweep run with its rank among
 * the trials so far. Trials already recorded (a sweep taken over by another
 * worker) are kept and not run again.
 */
export function sweepJob(
  specs: { spec: TrainingSpec; point: SweepPoint }[],
  sweep: SweepConfig,
  recorded: (sweepRunId: string) => Promise<SweepTrial[]>,
  robustAccuracyOf?: (modelId: string, signal: AbortSignal) => Promise<number>,
): (ctx: JobContext) => Promise<JobResult> {
  return async (ctx) => {
    const trials: SweepTrial[] = await recorded(ctx.run.id);
    const done = new Set(trials.map((t) => t.index));
    const pending = [...specs.entries()].filter(([index]) => !done.has(index));
    const children = pending.map(([index, { spec }]) =>
      Run.fromPartial({
        id: trialRunId(ctx.run.id, index),
        name: `${ctx.run.name} #${index + 1}`,
        kind: RunKind.RUN_KIND_TRAIN,
        datasetId: spec.datasetId,
        model: spec.model,
        training: spec.training,
        parentRunId: ctx.run.id,
      }),
    );
    const started = new Map(children.map((c) => [c.id, Date.now()]));
    await ctx.runChildren(children, async (finished, i) => {
      const [index, { point }] = pending[i];
      const trial: SweepTrial = {
        index,
        total: specs.length,
        overrides: point.overrides,
        runId: finished.id,
        modelId: finished.modelId,
        status: finished.status,
        valAccuracy: finished.bestValAccuracy,
        trainAccuracy: finished.history[finished.history.length - 1]?.trainAccuracy ?? 0,
        // Validation loss at the best epoch (the first with the highest validation accuracy).
        valLoss: finished.history.reduce<{ acc: number; loss: number }>((best, h) => (h.valAccuracy > best.acc ? { acc: h.valAccuracy, loss: h.valLoss } : best), { acc: -1, loss: 0 }).loss,
        robustAccuracy: undefined,
        rank: 0,
        seconds: (Date.now() - (started.get(finished.id) ?? Date.now())) / 1000,
      };
      if (robustAccuracyOf && finished.modelId && !ctx.signal.aborted) trial.robustAccuracy = await robustAccuracyOf(finished.modelId, ctx.signal);
      trials.push(trial);
      const ranked = rankTrials(trials, sweep.rankBy);
      const me = ranked.find((t) => t.index === index) as SweepTrial;
      ctx.emit({ $case: 'trial', value: me });
      const best = ranked[0];
      ctx.update({ bestValAccuracy: Math.max(...trials.map((t) => t.valAccuracy)), bestRobustAccuracy: best.robustAccuracy, modelId: best.modelId });
    });
    return {};
  };
}
