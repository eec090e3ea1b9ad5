'use client';

import { useEffect, useRef, useState } from 'react';
import { ConfusionMatrix } from '@advlab/dashboard-charts';
import type { DashboardError, Loaded } from '@advlab/dashboard-data-access';
import type { EvaluateRequestInput, EvaluationView } from '@advlab/dashboard-util';
import { formatCount, formatNumber, formatPercent } from '@advlab/dashboard-util';
import { Button, Card, CardContent, CardDescription, CardHeader, CardTitle, ErrorState, LoadingBlock, Skeleton } from '@advlab/dashboard-ui';

/** Evaluates a model on the server; a fake in tests. */
export type ModelEvaluator = (modelId: string, body: EvaluateRequestInput, signal: AbortSignal) => Promise<Loaded<EvaluationView>>;

/** `POST /api/models/:id/evaluate` with the settings as JSON. */
export const postEvaluate: ModelEvaluator = async (modelId, body, signal) => {
  const response = await fetch(`/api/models/${encodeURIComponent(modelId)}/evaluate`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });
  const answer = (await response.json().catch(() => null)) as { evaluation?: EvaluationView; error?: DashboardError } | null;
  if (response.ok && answer?.evaluation) return { ok: true, data: answer.evaluation };
  return { ok: false, error: answer?.error ?? { code: `HTTP_${response.status}`, message: `The dashboard answered ${response.status}`, unimplemented: false, unreachable: false } };
};

/** Clean evaluation only (no attacks), on up to 1000 held-out images. */
export const RUN_EVALUATION_REQUEST: EvaluateRequestInput = { epsilon255: 0, maxImages: 1000 };

export interface RunEvaluationProps {
  modelId: string;
  evaluate?: ModelEvaluator;
}

/** Per-class accuracy as labelled horizontal bars, worst classes easy to spot. */
export function PerClassAccuracy({ rows }: { rows: EvaluationView['perClass'] }) {
  return (
    <ul className="grid gap-x-8 gap-y-1.5 sm:grid-cols-2" aria-label="Accuracy per class">
      {rows.map((row) => (
        <li key={row.classIndex} className="grid grid-cols-[7rem_1fr_3.5rem] items-center gap-2 text-sm" data-class={row.label}>
          <span className="truncate text-neutral-700" title={row.label}>
            {row.label}
          </span>
          <span className="h-2.5 overflow-hidden rounded-full bg-neutral-100" title={`${row.support} images`}>
            <span className={row.accuracy < 0.5 ? 'block h-full rounded-full bg-red-500' : 'block h-full rounded-full bg-sky-700'} style={{ width: `${row.accuracy * 100}%` }} />
          </span>
          <span className="text-right text-neutral-600 tabular-nums">{formatPercent(row.accuracy)}</span>
        </li>
      ))}
    </ul>
  );
}

export function EvaluationPanels({ evaluation }: { evaluation: EvaluationView }) {
  return (
    <div className="grid gap-4" data-testid="run-evaluation">
      <Card className="min-w-0">
        <CardHeader>
          <div>
            <CardTitle>Confusion matrix</CardTitle>
            <CardDescription>
              {formatCount(evaluation.numImages)} held-out images · accuracy {formatPercent(evaluation.accuracy)} · loss {formatNumber(evaluation.loss)}
            </CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          <ConfusionMatrix labels={evaluation.confusion.labels} counts={evaluation.confusion.counts} />
        </CardContent>
      </Card>
      <Card className="min-w-0">
        <CardHeader>
          <CardTitle>Accuracy per class</CardTitle>
        </CardHeader>
        <CardContent>
          <PerClassAccuracy rows={evaluation.perClass} />
        </CardContent>
      </Card>
    </div>
  );
}

/**
 * The run's model on held-out data (confusion matrix, per-class accuracy), computed when
 * asked: evaluating is work, so it runs on a POST from the button, never on opening the page.
 */
export function RunEvaluation({ modelId, evaluate = postEvaluate }: RunEvaluationProps) {
  const [result, setResult] = useState<Loaded<EvaluationView> | 'running' | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  useEffect(() => () => inFlight.current?.abort(), []);

  const run = async () => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setResult('running');
    const outcome = await evaluate(modelId, RUN_EVALUATION_REQUEST, controller.signal).catch(
      (error: unknown): Loaded<EvaluationView> => ({ ok: false, error: { code: 'UNAVAILABLE', message: error instanceof Error ? error.message : String(error), unimplemented: false, unreachable: true } }),
    );
    if (!controller.signal.aborted) setResult(outcome);
  };

  if (result === 'running') return <RunEvaluationSkeleton />;
  if (result?.ok) return <EvaluationPanels evaluation={result.data} />;
  return (
    <div className="flex flex-col gap-3">
      {result ? <ErrorState title="The model could not be evaluated" {...result.error} /> : null}
      <div className="flex flex-wrap items-center gap-3 rounded-xl border border-dashed border-neutral-300 px-5 py-6">
        <Button variant="secondary" onClick={run}>
          {result ? 'Evaluate again' : 'Evaluate on held-out data'}
        </Button>
        <p className="text-sm text-neutral-500">Confusion matrix and per-class accuracy on up to 1,000 held-out images.</p>
      </div>
    </div>
  );
}

export function RunEvaluationSkeleton() {
  return (
    <LoadingBlock label="Evaluating the model" className="grid gap-4">
      <Skeleton className="h-[420px]" />
      <Skeleton className="h-48" />
    </LoadingBlock>
  );
}
