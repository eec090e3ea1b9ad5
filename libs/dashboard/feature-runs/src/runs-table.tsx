import Link from 'next/link';
import { runDurationMs, type RunView } from '@advlab/dashboard-util';
import { EmptyState, Table, Td, Th } from '@advlab/dashboard-ui';
import { formatDuration, formatShortDateTime, formatPercent } from '@advlab/dashboard-util';
import { RUN_KIND_LABELS, keyConfig } from './presentation';
import { RunStatusBadge } from './run-status-badge';

export interface RunsTableProps {
  runs: readonly RunView[];
  /** Time the durations of running runs are measured to. */
  now?: number;
  emptyAction?: React.ReactNode;
}

/** Every run in a row: name, status, kind, key config, best accuracies, duration, start. */
export function RunsTable({ runs, now = Date.now(), emptyAction }: RunsTableProps) {
  if (runs.length === 0) return <EmptyState title="No runs match" description="Start a training run, an adversarial training run or a sweep." action={emptyAction} />;
  return (
    <Table aria-label="Runs">
      <thead>
        <tr>
          <Th scope="col">Run</Th>
          <Th scope="col">Status</Th>
          <Th scope="col">Kind</Th>
          <Th scope="col">Configuration</Th>
          <Th scope="col" className="text-right">
            Best val
          </Th>
          <Th scope="col" className="text-right">
            Robust
          </Th>
          <Th scope="col" className="text-right">
            Duration
          </Th>
          <Th scope="col" className="hidden xl:table-cell">
            Created (UTC)
          </Th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-run-id={run.id} className="hover:bg-neutral-50">
            <Td className="max-w-56">
              <Link href={`/runs/${run.id}`} className="block truncate font-medium text-neutral-900 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-neutral-900">
                {run.name || run.id}
              </Link>
              <span className="block truncate font-mono text-xs text-neutral-500">
                {run.id} · {run.datasetName || run.datasetId}
              </span>
            </Td>
            <Td>
              <RunStatusBadge status={run.status} />
            </Td>
            <Td className="whitespace-nowrap">{RUN_KIND_LABELS[run.kind]}</Td>
            <Td className="max-w-56 truncate text-xs text-neutral-600" title={keyConfig(run)}>
              {keyConfig(run)}
            </Td>
            <Td className="text-right tabular-nums">{formatPercent(run.bestValAccuracy)}</Td>
            <Td className="text-right tabular-nums">{formatPercent(run.bestRobustAccuracy)}</Td>
            <Td className="text-right whitespace-nowrap tabular-nums">{formatDuration(runDurationMs(run, now))}</Td>
            <Td className="hidden text-xs whitespace-nowrap text-neutral-500 xl:table-cell">{formatShortDateTime(run.createdAt)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
