import Link from 'next/link';
import { attempt, getStudyReport, type Loaded, type StudyReportView } from '@advlab/dashboard-data-access';
import { formatDateTime } from '@advlab/dashboard-util';
import { ErrorState, buttonVariants } from '@advlab/dashboard-ui';
import { AutoRefresh } from './auto-refresh';
import { CancelRunButton } from './cancel-run-button';
import { isActive } from './presentation';
import { RunStatusBadge } from './run-status-badge';

export interface StudyDetailProps {
  runId: string;
  load?: (runId: string) => Promise<Loaded<StudyReportView>>;
}

const defaultLoad = (runId: string) => attempt(() => getStudyReport(runId));

/**
 * Server component: a study's report as it fills in. The report is the trainer's one HTML
 * rendering (the same file the download and `advlab report` give), shown in a sandboxed
 * frame; the page refreshes itself while the study runs.
 */
export async function StudyDetail({ runId, load = defaultLoad }: StudyDetailProps) {
  const result = await load(runId);
  if (!result.ok) return <ErrorState title={`Study ${runId} could not be loaded`} {...result.error} />;
  const study = result.data;
  const { run } = study;
  const active = isActive(run.status);
  return (
    <div className="flex flex-col gap-6">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="text-xs font-medium tracking-wide text-neutral-500 uppercase">Study</p>
          <h1 className="mt-1 truncate text-2xl font-semibold tracking-tight text-neutral-900">{run.name || run.id}</h1>
          <p className="mt-1 font-mono text-xs text-neutral-500">
            {run.id} · {run.datasetName || run.datasetId} · created {formatDateTime(run.createdAt)}
          </p>
          <p className="mt-2 flex flex-wrap items-center gap-3 text-sm text-neutral-700" data-testid="study-progress">
            <RunStatusBadge status={run.status} />
            <span>
              {study.stagesDone} of 5 stages finished{study.currentStage ? ` · now: ${study.currentStage}` : ''}
            </span>
            <AutoRefresh active={active} intervalMs={3000} />
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <a href={`/api/studies/${run.id}/report`} download={study.fileName} className={buttonVariants({ variant: 'secondary', size: 'sm' })}>
            Download report (HTML)
          </a>
          {study.submissionCsv ? (
            <a href={`/api/studies/${run.id}/report?part=submission`} download="submission.csv" className={buttonVariants({ variant: 'secondary', size: 'sm' })}>
              Download submission.csv
            </a>
          ) : null}
          {run.modelId ? (
            <Link href={`/gallery?model=${run.modelId}`} className={buttonVariants({ variant: 'secondary', size: 'sm' })}>
              Attack gallery
            </Link>
          ) : null}
          {active ? <CancelRunButton runId={run.id} /> : null}
        </div>
      </header>
      <iframe title="Study report" srcDoc={study.html} sandbox="allow-downloads" className="h-[80vh] w-full rounded-lg border border-neutral-200 bg-white" />
    </div>
  );
}
