import Link from 'next/link';
import type { ReactNode } from 'react';
import { formatAge, formatShortDateTime, type WorkerRoleView, type WorkerStateView, type WorkerView } from '@advlab/dashboard-util';
import type { BadgeTone } from '@advlab/dashboard-ui';
import { EmptyState, StatusBadge, Table, Td, Th, cn } from '@advlab/dashboard-ui';

export const WORKER_STATE_PRESENTATION: Readonly<Record<WorkerStateView, { label: string; tone: BadgeTone }>> = {
  alive: { label: 'Alive', tone: 'success' },
  lost: { label: 'Lost', tone: 'danger' },
  stopped: { label: 'Stopped', tone: 'neutral' },
};

export const WORKER_ROLE_LABELS: Readonly<Record<WorkerRoleView, string>> = {
  api: 'API',
  worker: 'Worker',
  all: 'API + worker',
};

export interface WorkersPanelProps {
  workers: readonly WorkerView[];
  /** When the list was read; heartbeat ages are measured to it. */
  checkedAt?: Date;
  /** Controls shown next to the heading, e.g. the live indicator and a refresh button. */
  actions?: ReactNode;
  className?: string;
}

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** "3 workers: 2 alive, 1 lost." */
export function summarizeWorkers(workers: readonly WorkerView[]): string {
  if (workers.length === 0) return 'No trainer processes are registered.';
  const counts = (['alive', 'lost', 'stopped'] as const).filter((s) => workers.some((w) => w.state === s)).map((s) => `${workers.filter((w) => w.state === s).length} ${s}`);
  return `${workers.length} ${workers.length === 1 ? 'process' : 'processes'}: ${counts.join(', ')}.`;
}

/** "onednn × 8 threads"; the backend alone when the trainer does not say. */
function backendText(worker: WorkerView): string {
  if (!worker.backend) return '—';
  return worker.threads > 0 ? `${worker.backend} × ${worker.threads} thread${worker.threads === 1 ? '' : 's'}` : worker.backend;
}

/**
 * The trainer processes sharing the registry, one row each: role, state, where it runs, its
 * backend, the runs it executes now (linked to their pages), its load and its last heartbeat.
 */
export function WorkersPanel({ workers, checkedAt, actions, className }: WorkersPanelProps) {
  const now = (checkedAt ?? new Date()).getTime();
  return (
    <section aria-labelledby="workers-heading" className={cn('flex flex-col gap-5', className)}>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="workers-heading" className="text-lg font-semibold text-neutral-900">
            Trainer processes
          </h2>
          <p className="mt-1 text-sm text-neutral-600" role="status">
            {summarizeWorkers(workers)}
            {checkedAt ? (
              <>
                {' '}
                Checked at <time dateTime={checkedAt.toISOString()}>{timeFormat.format(checkedAt)}</time>.
              </>
            ) : null}
          </p>
        </div>
        {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
      </div>
      {workers.length === 0 ? (
        <EmptyState title="No workers" description="The trainer lists no processes. Is it running?" />
      ) : (
        <Table aria-label="Workers">
          <thead>
            <tr>
              <Th scope="col">Worker</Th>
              <Th scope="col">Role</Th>
              <Th scope="col">State</Th>
              <Th scope="col">Host</Th>
              <Th scope="col">Backend</Th>
              <Th scope="col">Runs now</Th>
              <Th scope="col" className="text-right">
                Load
              </Th>
              <Th scope="col" className="text-right">
                Heartbeat
              </Th>
              <Th scope="col" className="hidden xl:table-cell">
                Started (UTC)
              </Th>
            </tr>
          </thead>
          <tbody>
            {workers.map((worker) => {
              const state = WORKER_STATE_PRESENTATION[worker.state];
              return (
                <tr key={worker.id} data-worker-id={worker.id} data-state={worker.state} className={worker.state === 'alive' ? undefined : 'bg-neutral-50/60'}>
                  <Td className="max-w-56">
                    <span className="block truncate font-mono text-xs text-neutral-900" title={worker.id}>
                      {worker.id}
                    </span>
                    {worker.version ? <span className="block text-xs text-neutral-500">v{worker.version}</span> : null}
                  </Td>
                  <Td className="whitespace-nowrap" data-field="role">
                    {WORKER_ROLE_LABELS[worker.role]}
                  </Td>
                  <Td>
                    <StatusBadge tone={state.tone} label={state.label} data-worker-state={worker.state} />
                  </Td>
                  <Td className="font-mono text-xs whitespace-nowrap">
                    {worker.host}:{worker.pid}
                  </Td>
                  <Td className="whitespace-nowrap" data-field="backend">
                    {backendText(worker)}
                  </Td>
                  <Td className="max-w-56">
                    {worker.runIds.length ? (
                      <ul className="flex flex-col gap-0.5">
                        {worker.runIds.map((runId) => (
                          <li key={runId}>
                            <Link href={`/runs/${runId}`} className="font-mono text-xs text-neutral-900 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-neutral-900">
                              {runId}
                            </Link>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="text-neutral-400">—</span>
                    )}
                  </Td>
                  <Td className="text-right whitespace-nowrap tabular-nums" data-field="load">
                    {worker.role === 'api' ? <span className="text-neutral-400">—</span> : `${worker.runIds.length} / ${worker.slots}`}
                  </Td>
                  <Td className={cn('text-right whitespace-nowrap tabular-nums', worker.state === 'lost' ? 'text-red-800' : undefined)} data-field="heartbeat">
                    {worker.heartbeatAt ? <time dateTime={worker.heartbeatAt}>{formatAge(worker.heartbeatAt, now)}</time> : '—'}
                  </Td>
                  <Td className="hidden text-xs whitespace-nowrap text-neutral-500 xl:table-cell">{formatShortDateTime(worker.startedAt)}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      {workers.some((w) => w.state === 'lost') ? (
        <p className="text-xs text-neutral-500">A lost worker sent no heartbeat within its lease: its runs move to other workers and go on from their last checkpoint.</p>
      ) : null}
    </section>
  );
}
