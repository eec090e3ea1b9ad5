import Link from 'next/link';
import { redirect } from 'next/navigation';
import { attempt, getRun, type Loaded } from '@advlab/dashboard-data-access';
import type { RunView } from '@advlab/dashboard-util';
import { formatDateTime } from '@advlab/dashboard-util';
import { Card, CardContent, CardHeader, CardTitle, ErrorState, buttonVariants } from '@advlab/dashboard-ui';
import { RUN_KIND_LABELS } from './presentation';
import { RunConfig } from './run-config';
import { RunEvaluation } from './run-evaluation';
import { RunLive } from './run-live';

export interface RunDetailProps {
  runId: string;
  load?: (runId: string) => Promise<Loaded<RunView>>;
}

const defaultLoad = (runId: string) => attempt(() => getRun(runId));

/** Server component: one run with its live curves, configuration and, once done, the evaluation of its model on request. */
export async function RunDetail({ runId, load = defaultLoad }: RunDetailProps) {
  const result = await load(runId);
  if (!result.ok) return <ErrorState title={`Run ${runId} could not be loaded`} {...result.error} />;
  const run = result.data;
  // A study's page is its report.
  if (run.kind === 'study') redirect(`/studies/${run.id}`);
  return (
    <div className="flex flex-col gap-8">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="text-xs font-medium tracking-wide text-neutral-500 uppercase">{RUN_KIND_LABELS[run.kind]} run</p>
          <h1 className="mt-1 truncate text-2xl font-semibold tracking-tight text-neutral-900">{run.name || run.id}</h1>
          <p className="mt-1 font-mono text-xs text-neutral-500">
            {run.id} · created {formatDateTime(run.createdAt)}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {run.kind === 'sweep' ? (
            <Link href={`/sweeps?run=${run.id}`} className={buttonVariants({ variant: 'secondary', size: 'sm' })}>
              Sweep results
            </Link>
          ) : null}
          {run.modelId ? (
            <>
              <Link href={`/gallery?model=${run.modelId}`} className={buttonVariants({ variant: 'secondary', size: 'sm' })}>
                Attack gallery
              </Link>
              <Link href={`/live?model=${run.modelId}`} className={buttonVariants({ variant: 'secondary', size: 'sm' })}>
                Live attack
              </Link>
            </>
          ) : null}
        </div>
      </header>
      <RunLive run={run} />
      <div className="grid gap-6 xl:grid-cols-[minmax(0,20rem)_minmax(0,1fr)]">
        <Card className="min-w-0 self-start">
          <CardHeader>
            <CardTitle>Configuration</CardTitle>
          </CardHeader>
          <CardContent>
            <RunConfig run={run} />
          </CardContent>
        </Card>
        <section aria-label="Evaluation" className="min-w-0">
          {run.status === 'succeeded' && run.modelId ? (
            <RunEvaluation modelId={run.modelId} />
          ) : run.kind === 'sweep' ? (
            <p className="rounded-xl border border-dashed border-neutral-300 px-5 py-8 text-sm text-neutral-500">A sweep trains one model per configuration; its ranked results are on the Sweeps page.</p>
          ) : (
            <p className="rounded-xl border border-dashed border-neutral-300 px-5 py-8 text-sm text-neutral-500">
              The confusion matrix and per-class accuracy appear here once the run has succeeded.
            </p>
          )}
        </section>
      </div>
    </div>
  );
}
