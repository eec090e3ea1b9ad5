import Link from 'next/link';
import { attempt, listRuns, type ListRunsFilter, type Loaded } from '@advlab/dashboard-data-access';
import { RUN_KINDS, RUN_STATUSES, type RunView } from '@advlab/dashboard-util';
import { ErrorState, buttonVariants } from '@advlab/dashboard-ui';
import { AutoRefresh } from './auto-refresh';
import { isActive } from './presentation';
import { RunsFilters } from './runs-filters';
import { RunsTable } from './runs-table';

type SearchParams = Record<string, string | string[] | undefined>;

/** Reads the filters from the page's query, ignoring values that are not filters. */
export function filtersFromQuery(query: SearchParams): ListRunsFilter {
  const one = (key: string) => (typeof query[key] === 'string' ? (query[key] as string) : undefined);
  const status = one('status');
  const kind = one('kind');
  return {
    status: RUN_STATUSES.find((s) => s === status),
    kind: RUN_KINDS.find((k) => k === kind),
    datasetId: one('dataset') || undefined,
  };
}

export interface RunsPageProps {
  query: SearchParams;
  load?: (filter: ListRunsFilter) => Promise<Loaded<RunView[]>>;
}

const defaultLoad = (filter: ListRunsFilter) => attempt(() => listRuns(filter));

/** Server component: the filtered runs table, refreshed while any run is queued or running. */
export async function RunsPage({ query, load = defaultLoad }: RunsPageProps) {
  const filter = filtersFromQuery(query);
  const result = await load(filter);
  const newRun = (
    <Link href="/runs/new" className={buttonVariants({ size: 'sm' })}>
      New run
    </Link>
  );
  if (!result.ok) return <ErrorState title="Runs could not be loaded" {...result.error} />;
  const runs = result.data;
  const names = new Map(runs.map((r) => [r.datasetId, r.datasetName || r.datasetId]));
  if (filter.datasetId && !names.has(filter.datasetId)) names.set(filter.datasetId, filter.datasetId);
  const datasets = [...names].map(([id, label]) => ({ id, label })).sort((a, b) => a.label.localeCompare(b.label));
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <RunsFilters datasets={datasets} />
        <div className="flex items-center gap-4">
          <AutoRefresh active={runs.some((r) => isActive(r.status))} />
          {newRun}
        </div>
      </div>
      <RunsTable runs={runs} emptyAction={newRun} />
      <p className="text-xs text-neutral-500">
        {runs.length} run{runs.length === 1 ? '' : 's'}
        {runs.length > 0 ? `, ${runs.filter((r) => isActive(r.status)).length} active` : ''}.
      </p>
    </div>
  );
}
