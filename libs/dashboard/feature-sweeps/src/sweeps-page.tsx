import Link from 'next/link';
import { BarChart } from '@advlab/dashboard-charts';
import { attempt, getRun, listRuns, type Loaded } from '@advlab/dashboard-data-access';
import { AutoRefresh, RunStatusBadge, isActive } from '@advlab/dashboard-feature-runs';
import type { RunView, TrialView } from '@advlab/dashboard-util';
import { formatDuration, formatNumber, formatPercent, formatShortDateTime } from '@advlab/dashboard-util';
import { Badge, EmptyState, ErrorState, Table, Td, Th, buttonVariants, cn } from '@advlab/dashboard-ui';
import { rankedTrials, trialBarRows } from './sweep-results';

export interface SweepsPageProps {
  runId?: string;
  loadSweeps?: () => Promise<Loaded<RunView[]>>;
  loadRun?: (runId: string) => Promise<Loaded<RunView>>;
}

function TrialsTable({ trials, robust }: { trials: readonly TrialView[]; robust: boolean }) {
  return (
    <Table aria-label="Sweep results, best first">
      <thead>
        <tr>
          <Th scope="col">Rank</Th>
          <Th scope="col">Configuration</Th>
          <Th scope="col">Status</Th>
          <Th scope="col" className="text-right">
            Val acc
          </Th>
          {robust ? (
            <Th scope="col" className="text-right">
              Robust acc
            </Th>
          ) : null}
          <Th scope="col" className="text-right">
            Train acc
          </Th>
          <Th scope="col" className="text-right">
            Val loss
          </Th>
          <Th scope="col" className="text-right">
            Time
          </Th>
        </tr>
      </thead>
      <tbody>
        {rankedTrials(trials).map((t) => (
          <tr key={t.index} data-trial={t.index} className={t.rank === 1 ? 'bg-emerald-50/60' : undefined}>
            <Td className="tabular-nums">{t.rank ? `#${t.rank}` : '—'}</Td>
            <Td>
              <ul className="flex flex-wrap gap-1">
                {Object.entries(t.overrides).map(([path, value]) => (
                  <li key={path}>
                    <Badge title={path}>
                      {path.split('.').pop()} = <span className="font-mono">{value}</span>
                    </Badge>
                  </li>
                ))}
              </ul>
              {t.runId ? (
                <Link href={`/runs/${t.runId}`} className="mt-1 block font-mono text-xs text-neutral-500 underline-offset-2 hover:underline">
                  {t.runId}
                </Link>
              ) : null}
            </Td>
            <Td>
              <RunStatusBadge status={t.status} />
            </Td>
            <Td className="text-right font-medium tabular-nums">{formatPercent(t.valAccuracy)}</Td>
            {robust ? <Td className="text-right tabular-nums">{formatPercent(t.robustAccuracy)}</Td> : null}
            <Td className="text-right tabular-nums">{formatPercent(t.trainAccuracy)}</Td>
            <Td className="text-right tabular-nums">{formatNumber(t.valLoss > 0 ? t.valLoss : null)}</Td>
            <Td className="text-right tabular-nums">{formatDuration(t.seconds * 1000)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function SweepDetail({ sweep }: { sweep: RunView }) {
  const robust = sweep.sweep?.rankBy === 'robust';
  const total = sweep.trials[0]?.total ?? sweep.sweep?.axes.reduce((n, a) => n * a.values.length, 1) ?? 0;
  return (
    <section aria-label={`Sweep ${sweep.name}`} className="flex flex-col gap-4" data-testid="sweep-detail">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-3">
          <h2 className="text-xl font-semibold text-neutral-900">{sweep.name || sweep.id}</h2>
          <RunStatusBadge status={sweep.status} />
        </div>
        <div className="flex items-center gap-3">
          <AutoRefresh active={isActive(sweep.status)} />
          <Link href={`/runs/${sweep.id}`} className={buttonVariants({ variant: 'secondary', size: 'sm' })}>
            Run details
          </Link>
        </div>
      </div>
      <p className="text-sm text-neutral-600">
        {sweep.trials.length} of {total} trials reported · ranked by {robust ? 'robust accuracy' : 'validation accuracy'} · axes:{' '}
        {sweep.sweep?.axes.map((a) => `${a.path} ∈ {${a.values.join(', ')}}`).join('; ')}
      </p>
      <BarChart
        title="Accuracy by configuration"
        description="Best validation accuracy (and robust accuracy when ranked by it) of each succeeded trial"
        data={trialBarRows(sweep.trials)}
        categoryKey="config"
        series={robust ? [{ key: 'val', label: 'Validation', color: '#0072B2' }, { key: 'robust', label: 'Robust', color: '#009E73' }] : [{ key: 'val', label: 'Validation', color: '#0072B2' }]}
        yDomain={[0, 1]}
        empty="No trial has finished yet"
      />
      {sweep.trials.length > 0 ? <TrialsTable trials={sweep.trials} robust={robust} /> : <EmptyState title="No trials yet" description="Each configuration appears here as soon as it finishes." />}
    </section>
  );
}

/** Server component: the sweeps, and the chosen one's ranked results table and accuracy chart. */
export async function SweepsPage({ runId, loadSweeps = () => attempt(() => listRuns({ kind: 'sweep' })), loadRun = (id) => attempt(() => getRun(id)) }: SweepsPageProps) {
  const sweeps = await loadSweeps();
  if (!sweeps.ok) return <ErrorState title="Sweeps could not be loaded" {...sweeps.error} />;
  if (sweeps.data.length === 0)
    return (
      <EmptyState
        title="No sweeps yet"
        description="A sweep trains one model per combination of config values and ranks them."
        action={
          <Link href="/runs/new?kind=sweep" className={buttonVariants({ size: 'sm' })}>
            New sweep
          </Link>
        }
      />
    );
  const selectedId = runId ?? sweeps.data[0].id;
  const selected = await loadRun(selectedId);
  return (
    <div className="grid gap-6 lg:grid-cols-[14rem_minmax(0,1fr)]">
      <nav aria-label="Sweeps">
        <ul className="flex flex-col gap-1">
          {sweeps.data.map((s) => (
            <li key={s.id}>
              <Link
                href={`/sweeps?run=${encodeURIComponent(s.id)}`}
                aria-current={s.id === selectedId ? 'page' : undefined}
                className={cn('block rounded-lg px-3 py-2 text-sm', s.id === selectedId ? 'bg-white font-medium text-neutral-900 shadow-xs ring-1 ring-neutral-200' : 'text-neutral-700 hover:bg-neutral-100')}
              >
                <span className="block truncate">{s.name || s.id}</span>
                <span className="block text-xs text-neutral-500">
                  {s.status} · {formatShortDateTime(s.createdAt)}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {selected.ok ? <SweepDetail sweep={selected.data} /> : <ErrorState title={`Sweep ${selectedId} could not be loaded`} {...selected.error} />}
    </div>
  );
}
