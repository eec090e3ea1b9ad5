import { RunEvent, type Model, type Run, type RunHandover, type SweepTrial } from '@advlab/contract';
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { duration, num, pct, statusName } from './format';
import { stageName, stageSummary } from './views';
import type { Output } from './output';

/** How following a run ended. */
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'detached';

export interface FollowResult {
  outcome: RunOutcome;
  runId: string;
  /** The run as created, or its final record. */
  run?: Run;
  /** The stored model of a succeeded run. */
  model?: Model;
  /** Why a run failed or was interrupted. */
  error?: string;
  /** Ctrl-C stopped the following (the run goes on). */
  interrupted: boolean;
  trials: SweepTrial[];
}

export interface FollowOptions {
  /** Stop following once the run is created. */
  detach?: boolean;
}

/**
 * Reads a stream of run events (Train, AdversarialTrain, Sweep, Study, WatchRun)
 * to its end: progress bar for batches, a line per epoch, per sweep trial and per study stage,
 * NDJSON events with --json-lines. Ctrl-C cancels the stream only: the run
 * keeps going on the server.
 */
export async function followRun(out: Output, stream: ClientReadableStream<{ event?: RunEvent }>, opts: FollowOptions = {}): Promise<FollowResult> {
  const progress = out.progress();
  const result: FollowResult = { outcome: 'detached', runId: '', interrupted: false, trials: [] };
  let epochs = 0;
  let stopping = false;
  const stop = () => {
    stopping = true;
    stream.cancel();
  };
  const offInterrupt = out.ctx.onInterrupt(() => {
    result.interrupted = true;
    stop();
  });
  try {
    for await (const response of stream as AsyncIterable<{ event?: RunEvent }>) {
      const event = response.event;
      if (!event?.event) continue;
      out.event(RunEvent.toJSON(event));
      result.runId ||= event.runId;
      const e = event.event;
      switch (e.$case) {
        case 'created': {
          const run = e.value.run;
          result.run = run;
          epochs = run?.training?.epochs ?? 0;
          out.info(`run ${event.runId} created: ${run?.name ?? ''}`);
          if (opts.detach) stop();
          break;
        }
        case 'status':
          out.info(
            e.value.queuePosition > 0 ? `run ${event.runId} ${statusName(e.value.status)} (${e.value.queuePosition} ahead)` : `run ${event.runId} ${statusName(e.value.status)}`,
          );
          break;
        case 'batch': {
          const b = e.value;
          progress.update(`epoch ${b.epoch}/${epochs || '?'}`, b.batch, b.batchesPerEpoch, `loss ${num(b.loss)} acc ${pct(b.accuracy)} ${Math.round(b.imagesPerSecond)} img/s`);
          break;
        }
        case 'epoch': {
          const m = e.value;
          progress.done();
          const robust = m.robustValAccuracy !== undefined ? `  robust ${pct(m.robustValAccuracy)}` : '';
          progress.log(
            `epoch ${m.epoch}/${epochs || '?'}  loss ${num(m.trainLoss)}  acc ${pct(m.trainAccuracy)}  val_loss ${num(m.valLoss)}  val_acc ${pct(m.valAccuracy)}${robust}  ${m.seconds.toFixed(1)}s  ${Math.round(m.imagesPerSecond)} img/s`,
          );
          break;
        }
        case 'checkpoint':
          break;
        case 'trial': {
          const t = e.value;
          result.trials.push(t);
          progress.done();
          const overrides = Object.entries(t.overrides)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
          const robust = t.robustAccuracy !== undefined ? `  robust ${pct(t.robustAccuracy)}` : '';
          progress.log(`trial ${t.index + 1}/${t.total}  ${overrides}  ${statusName(t.status)}  val_acc ${pct(t.valAccuracy)}${robust}  rank ${t.rank}`);
          break;
        }
        case 'stageStarted': {
          const s = e.value;
          progress.done();
          progress.log(`stage ${s.index}/${s.total} ${stageName(s.kind)}${s.resumed ? ' (resumed after a trainer restart)' : ''}`);
          break;
        }
        case 'stage': {
          progress.done();
          progress.log(`stage ${stageName(e.value.kind)} done in ${duration(e.value.seconds)}: ${stageSummary(e.value)}`);
          break;
        }
        case 'handover':
          progress.done();
          progress.log(handoverLine(event.runId, e.value));
          break;
        case 'finished':
          result.outcome = 'succeeded';
          result.run = e.value.run ?? result.run;
          result.model = e.value.model;
          break;
        case 'failed':
          result.outcome = 'failed';
          result.error = e.value.error;
          break;
        case 'cancelled':
          result.outcome = 'cancelled';
          result.error = `cancelled after ${e.value.epochsCompleted} epoch(s)`;
          break;
        case 'interrupted':
          result.outcome = 'interrupted';
          result.error = `interrupted after ${e.value.epochsCompleted} epoch(s)${e.value.reason ? `: ${e.value.reason}` : ''}`;
          break;
      }
    }
    if (result.outcome === 'detached' && !stopping) throw new Error(`the stream of run ${result.runId || '?'} ended before the run did`);
  } catch (err) {
    if (!(stopping && (err as { code?: number }).code === status.CANCELLED)) throw err;
  } finally {
    offInterrupt();
    progress.done();
  }
  return result;
}

/**
 * A run that moved to another worker, in one line: "run run-x moved from worker w-a to w-b:
 * resumes after epoch 3 (worker w-a stopped sending heartbeats)".
 */
export function handoverLine(runId: string, h: RunHandover): string {
  const moved = h.fromWorker ? `from worker ${h.fromWorker} to ${h.toWorker}` : `to worker ${h.toWorker}`;
  const resumes = h.resumedAfterEpoch > 0 ? `resumes after epoch ${h.resumedAfterEpoch}` : `starts ${h.fromWorker ? 'again ' : ''}from epoch 1`;
  return `run ${runId} moved ${moved}: ${resumes}${h.reason ? ` (${h.reason})` : ''}`;
}

/** Tells how to get back to a run that goes on without us. */
export function detachedHint(out: Output, runId: string, why: string): void {
  out.ctx.stderr.write(`${why}; run ${runId} goes on on the server.\n  advlab watch ${runId}    follow it again\n  advlab cancel ${runId}   stop it\n`);
}
