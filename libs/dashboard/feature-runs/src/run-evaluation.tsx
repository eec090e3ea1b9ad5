import { ConfusionMatrix } from '@advlab/dashboard-charts';
import { attempt, evaluateModel, type Loaded } from '@advlab/dashboard-data-access';
import type { EvaluationView } from '@advlab/dashboard-util';
import { formatCount, formatNumber, formatPercent } from '@advlab/dashboard-util';
import { Card, CardContent, CardDescription, CardHeader, CardTitle, ErrorState, LoadingBlock, Skeleton } from '@advlab/dashboard-ui';

export interface RunEvaluationProps {
  modelId: string;
  load?: (modelId: string) => Promise<Loaded<EvaluationView>>;
}

const defaultLoad = (modelId: string) => attempt(() => evaluateModel(modelId, { maxImages: 1000 }));

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

/** Server component: evaluates the run's model on held-out data and shows the confusion matrix and per-class accuracy. */
export async function RunEvaluation({ modelId, load = defaultLoad }: RunEvaluationProps) {
  const result = await load(modelId);
  if (!result.ok) return <ErrorState title="The model could not be evaluated" {...result.error} />;
  return <EvaluationPanels evaluation={result.data} />;
}

export function RunEvaluationSkeleton() {
  return (
    <LoadingBlock label="Evaluating the model" className="grid gap-4">
      <Skeleton className="h-[420px]" />
      <Skeleton className="h-48" />
    </LoadingBlock>
  );
}
