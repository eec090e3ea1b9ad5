import type { EpochView, RunEventView, RunStatusView, RunView, TrialView } from '@advlab/dashboard-util';

/** One point of in-epoch progress: x is fractional epochs (epoch 2, batch 5 of 10 -> 1.5). */
export interface BatchPoint {
  x: number;
  loss: number;
  accuracy: number;
}

/** What the run page shows live, built from the run as loaded plus its streamed events. */
export interface LiveRunState {
  status: RunStatusView;
  queuePosition: number;
  epochs: EpochView[];
  batches: BatchPoint[];
  progress: { epoch: number; batch: number; batchesPerEpoch: number; imagesPerSecond: number } | null;
  bestValAccuracy: number | null;
  bestRobustAccuracy: number | null;
  modelId: string;
  error: string;
  trials: TrialView[];
  /** The last time another worker took the run over, if it was. */
  handover: HandoverView | null;
  /** The run reached a final status (no more events will come). */
  done: boolean;
}

/** A run's move to another worker, as the run page tells it. */
export type HandoverView = Omit<Extract<RunEventView, { type: 'handover' }>, 'type' | 'runId' | 'sequence'>;

/** "Moved from worker w-a to w-b: resumes after epoch 3 (worker w-a stopped sending heartbeats)." */
export function handoverText(h: HandoverView): string {
  const moved = h.fromWorker ? `Moved from worker ${h.fromWorker} to ${h.toWorker}` : `Moved to worker ${h.toWorker}`;
  const resumes = h.resumedAfterEpoch > 0 ? `resumes after epoch ${h.resumedAfterEpoch}` : `starts ${h.fromWorker ? 'again ' : ''}from epoch 1`;
  return `${moved}: ${resumes}${h.reason ? ` (${h.reason})` : ''}.`;
}

const FINAL: readonly RunStatusView[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** At most this many batch points are kept; older ones are thinned so the chart stays light. */
export const MAX_BATCH_POINTS = 600;

export function initialRunState(run: RunView): LiveRunState {
  return {
    status: run.status,
    queuePosition: 0,
    epochs: [...run.history],
    batches: [],
    progress: null,
    bestValAccuracy: run.bestValAccuracy,
    bestRobustAccuracy: run.bestRobustAccuracy,
    modelId: run.modelId,
    error: run.error,
    trials: [...run.trials],
    handover: null,
    done: FINAL.includes(run.status),
  };
}

function upsertEpoch(epochs: readonly EpochView[], metrics: EpochView): EpochView[] {
  const rest = epochs.filter((e) => e.epoch !== metrics.epoch);
  return [...rest, metrics].sort((a, b) => a.epoch - b.epoch);
}

function upsertTrial(trials: readonly TrialView[], trial: TrialView): TrialView[] {
  return [...trials.filter((t) => t.index !== trial.index), trial].sort((a, b) => a.index - b.index);
}

function thin(points: BatchPoint[]): BatchPoint[] {
  if (points.length <= MAX_BATCH_POINTS) return points;
  return points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
}

const best = (current: number | null, value: number | null | undefined) => (value === null || value === undefined ? current : current === null ? value : Math.max(current, value));

/** Applies one streamed event. Replayed events (after a reconnect) are idempotent. */
export function reduceRunEvent(state: LiveRunState, event: RunEventView): LiveRunState {
  switch (event.type) {
    case 'created':
      return event.run ? { ...state, status: state.done ? state.status : event.run.status } : state;
    case 'status':
      return state.done ? state : { ...state, status: event.status, queuePosition: event.queuePosition };
    case 'batch': {
      const x = event.epoch - 1 + (event.batchesPerEpoch > 0 ? event.batch / event.batchesPerEpoch : 0);
      const last = state.batches[state.batches.length - 1];
      if (last && x <= last.x) return state;
      return {
        ...state,
        status: state.done ? state.status : 'running',
        batches: thin([...state.batches, { x, loss: event.loss, accuracy: event.accuracy }]),
        progress: { epoch: event.epoch, batch: event.batch, batchesPerEpoch: event.batchesPerEpoch, imagesPerSecond: event.imagesPerSecond },
      };
    }
    case 'epoch':
      return {
        ...state,
        epochs: upsertEpoch(state.epochs, event.metrics),
        bestValAccuracy: best(state.bestValAccuracy, event.metrics.valAccuracy),
        bestRobustAccuracy: best(state.bestRobustAccuracy, event.metrics.robustValAccuracy),
      };
    case 'trial':
      return { ...state, trials: upsertTrial(state.trials, event.trial) };
    case 'handover': {
      // The new worker goes on from the checkpoint after `resumedAfterEpoch`: later epochs and batches are trained again.
      const kept = state.epochs.filter((e) => e.epoch <= event.resumedAfterEpoch);
      const dropped = kept.length < state.epochs.length;
      return {
        ...state,
        epochs: kept,
        batches: state.batches.filter((b) => b.x <= event.resumedAfterEpoch),
        progress: null,
        bestValAccuracy: dropped ? kept.reduce<number | null>((acc, e) => best(acc, e.valAccuracy), null) : state.bestValAccuracy,
        bestRobustAccuracy: dropped ? kept.reduce<number | null>((acc, e) => best(acc, e.robustValAccuracy), null) : state.bestRobustAccuracy,
        handover: { time: event.time, fromWorker: event.fromWorker, toWorker: event.toWorker, resumedAfterEpoch: event.resumedAfterEpoch, reason: event.reason },
      };
    }
    case 'finished':
      return {
        ...state,
        status: 'succeeded',
        done: true,
        progress: null,
        modelId: event.modelId || state.modelId,
        bestValAccuracy: event.run?.bestValAccuracy ?? state.bestValAccuracy,
        bestRobustAccuracy: event.run?.bestRobustAccuracy ?? state.bestRobustAccuracy,
      };
    case 'failed':
      return { ...state, status: 'failed', done: true, progress: null, error: event.error };
    case 'cancelled':
      return { ...state, status: 'cancelled', done: true, progress: null };
    case 'interrupted':
      return { ...state, status: 'interrupted', done: true, progress: null, error: event.reason };
    default:
      return state;
  }
}

/** A row of the curves chart: x in epochs; absent fields are gaps in that series. */
export interface CurveRow {
  [key: string]: number | null | undefined;
  x: number;
  batchLoss?: number;
  batchAccuracy?: number;
  trainLoss?: number;
  valLoss?: number;
  trainAccuracy?: number;
  valAccuracy?: number;
  robustAccuracy?: number;
}

/**
 * Merges epoch metrics (at x = epoch) and live batch progress (at fractional x) into rows
 * sorted by x, the shape the line charts draw. The curves start at x = 0 with nothing.
 */
export function curveRows(epochs: readonly EpochView[], batches: readonly BatchPoint[]): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const b of batches) rows.push({ x: b.x, batchLoss: b.loss, batchAccuracy: b.accuracy });
  for (const e of epochs) {
    const row: CurveRow = { x: e.epoch, trainLoss: e.trainLoss, valLoss: e.valLoss, trainAccuracy: e.trainAccuracy, valAccuracy: e.valAccuracy };
    if (e.robustValAccuracy !== null) row.robustAccuracy = e.robustValAccuracy;
    const same = rows.find((r) => r.x === e.epoch);
    if (same) Object.assign(same, row);
    else rows.push(row);
  }
  return rows.sort((a, b) => a.x - b.x);
}
