'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useReducer, useRef, useState } from 'react';
import type { RunEventView, RunView } from '@advlab/dashboard-util';
import { formatCount, formatPercent } from '@advlab/dashboard-util';
import { Stat } from '@advlab/dashboard-ui';
import { CancelRunButton } from './cancel-run-button';
import { isActive } from './presentation';
import { RunCurves } from './run-curves';
import { handoverText, initialRunState, reduceRunEvent, type LiveRunState } from './run-state';
import { RunStatusBadge } from './run-status-badge';

/** The subset of EventSource the live view uses (a fake in tests). */
export interface RunEventSource {
  addEventListener(type: 'run' | 'stream-error', listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export type RunEventSourceFactory = (url: string) => RunEventSource;

const browserEventSource: RunEventSourceFactory = (url) => new EventSource(url) as unknown as RunEventSource;

type Action = { type: 'event'; event: RunEventView } | { type: 'reset'; run: RunView };

function reducer(state: LiveRunState, action: Action): LiveRunState {
  return action.type === 'reset' ? initialRunState(action.run) : reduceRunEvent(state, action.event);
}

export interface RunLiveProps {
  run: RunView;
  eventSource?: RunEventSourceFactory;
}

/**
 * A run's status, key figures and curves, kept live over server-sent events (the
 * trainer's WatchRun) until the run ends; then the page reloads its server parts.
 */
export function RunLive({ run, eventSource = browserEventSource }: RunLiveProps) {
  const [state, dispatch] = useReducer(reducer, run, initialRunState);
  const router = useRouter();
  const wasDone = useRef(state.done);
  const [streamError, setStreamError] = useState<string | null>(null);

  useEffect(() => {
    if (wasDone.current) return;
    const source = eventSource(`/api/runs/${encodeURIComponent(run.id)}/events`);
    source.addEventListener('run', (message) => {
      const event = JSON.parse(message.data) as RunEventView;
      dispatch({ type: 'event', event });
      if (event.type === 'finished' || event.type === 'failed' || event.type === 'cancelled' || event.type === 'interrupted') source.close();
    });
    source.addEventListener('stream-error', (message) => {
      const error = JSON.parse(message.data) as { message?: string };
      setStreamError(error.message ?? 'The live updates stopped');
      source.close();
    });
    return () => source.close();
  }, [run.id, eventSource]);

  useEffect(() => {
    if (state.done && !wasDone.current) {
      wasDone.current = true;
      router.refresh();
    }
  }, [state.done, router]);

  const progress = state.progress;
  const epochsDone = state.epochs.length;
  const fraction = progress ? (progress.epoch - 1 + progress.batch / Math.max(1, progress.batchesPerEpoch)) / Math.max(1, run.training.epochs) : state.done ? 1 : epochsDone / Math.max(1, run.training.epochs);
  const last = state.epochs[state.epochs.length - 1];

  return (
    <section aria-label="Training progress" className="flex flex-col gap-5" data-run-state={state.status}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-3">
          <RunStatusBadge status={state.status} />
          <span className="text-sm text-neutral-600" aria-live="polite">
            {state.status === 'queued'
              ? state.queuePosition > 0
                ? `${state.queuePosition} run${state.queuePosition === 1 ? '' : 's'} ahead in the queue`
                : 'Waiting for a training slot'
              : progress
                ? `Epoch ${progress.epoch} of ${run.training.epochs}, batch ${progress.batch} of ${progress.batchesPerEpoch}`
                : `${epochsDone} of ${run.training.epochs} epochs`}
          </span>
        </div>
        {isActive(state.status) && !state.done ? <CancelRunButton runId={run.id} /> : null}
      </div>
      <div
        className="h-1.5 w-full overflow-hidden rounded-full bg-neutral-100"
        role="progressbar"
        aria-label="Run progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
      >
        <div className="h-full rounded-full bg-sky-600 transition-[width] duration-300" style={{ width: `${Math.min(1, fraction) * 100}%` }} />
      </div>
      {state.handover ? (
        <p role="status" data-testid="run-handover" className="rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900">
          {handoverText(state.handover)}
        </p>
      ) : null}
      {streamError ? (
        <p role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Live updates stopped: {streamError}. Reload the page to try again.
        </p>
      ) : null}
      {state.error ? (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Best val accuracy" value={formatPercent(state.bestValAccuracy)} />
        <Stat label={run.kind === 'adversarial' ? 'Best robust accuracy' : 'Last val loss'} value={run.kind === 'adversarial' ? formatPercent(state.bestRobustAccuracy) : last ? last.valLoss.toFixed(3) : '—'} />
        <Stat label="Epochs" value={`${epochsDone} / ${run.training.epochs}`} />
        <Stat label="Throughput" value={progress ? `${formatCount(progress.imagesPerSecond)} img/s` : last ? `${formatCount(last.imagesPerSecond)} img/s` : '—'} />
      </dl>
      <RunCurves epochs={state.epochs} batches={state.batches} totalEpochs={run.training.epochs} robust={run.kind === 'adversarial'} />
    </section>
  );
}
