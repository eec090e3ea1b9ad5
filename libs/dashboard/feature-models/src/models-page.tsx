import Link from 'next/link';
import { BarChart, LineChart } from '@advlab/dashboard-charts';
import { attempt, getRun, listModels, listRuns, type Loaded } from '@advlab/dashboard-data-access';
import type { ModelView, RunView } from '@advlab/dashboard-util';
import { formatBytes, formatCount, formatPercent, formatShortDateTime } from '@advlab/dashboard-util';
import { Badge, Button, EmptyState, ErrorState, Select, Table, Td, Th } from '@advlab/dashboard-ui';
import { ModelActions } from './model-actions';
import { compareRows, robustnessRows, runLabel } from './model-charts';

type Query = Record<string, string | string[] | undefined>;

export interface ModelsPageProps {
  query: Query;
  loadModels?: () => Promise<Loaded<ModelView[]>>;
  loadRuns?: () => Promise<Loaded<RunView[]>>;
  loadRun?: (runId: string) => Promise<Loaded<RunView>>;
}

function ModelsTable({ models }: { models: readonly ModelView[] }) {
  return (
    <Table aria-label="Models">
      <thead>
        <tr>
          <Th scope="col">Model</Th>
          <Th scope="col">Architecture</Th>
          <Th scope="col" className="text-right">
            Val acc
          </Th>
          <Th scope="col" className="text-right">
            Robust acc
          </Th>
          <Th scope="col" className="hidden text-right xl:table-cell">
            Params
          </Th>
          <Th scope="col" className="hidden xl:table-cell">
            Created (UTC)
          </Th>
          <Th scope="col" className="text-right">
            Actions
          </Th>
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.id} data-model-id={m.id}>
            <Td className="max-w-56">
              <span className="block truncate font-medium text-neutral-900">{m.name || m.id}</span>
              <span className="block truncate font-mono text-xs text-neutral-500">
                {m.id} · {m.datasetId} · <Link href={`/runs/${m.runId}`} className="underline-offset-2 hover:underline">run</Link> ·{' '}
                <Link href={`/gallery?model=${m.id}`} className="underline-offset-2 hover:underline">
                  gallery
                </Link>
              </span>
            </Td>
            <Td className="text-xs whitespace-nowrap text-neutral-600">
              [{m.config.featureMaps.join(',')}]{m.config.useSkip ? ' skip' : ''} {m.adversarial ? <Badge tone="info">adversarial</Badge> : null}
            </Td>
            <Td className="text-right tabular-nums">{formatPercent(m.valAccuracy)}</Td>
            <Td className="text-right tabular-nums">{formatPercent(m.robustAccuracy)}</Td>
            <Td className="hidden text-right tabular-nums xl:table-cell" title={formatBytes(m.sizeBytes)}>
              {formatCount(m.numParameters)}
            </Td>
            <Td className="hidden text-xs whitespace-nowrap text-neutral-500 xl:table-cell">{formatShortDateTime(m.createdAt)}</Td>
            <Td className="text-right">
              <ModelActions modelId={m.id} name={m.name || m.id} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

async function CompareRuns({ runs, a, b, loadRun }: { runs: readonly RunView[]; a?: string; b?: string; loadRun: NonNullable<ModelsPageProps['loadRun']> }) {
  const candidates = runs.filter((r) => r.kind !== 'sweep');
  const first = a ?? candidates[0]?.id;
  const second = b ?? candidates[1]?.id;
  const [ra, rb] = await Promise.all([first ? loadRun(first) : null, second ? loadRun(second) : null]);
  const runA = ra?.ok ? ra.data : null;
  const runB = rb?.ok ? rb.data : null;
  const rows = compareRows(runA?.history ?? [], runB?.history ?? []);
  const nameA = runA ? runLabel(runA) : 'A';
  const nameB = runB ? runLabel(runB) : 'B';
  return (
    <section aria-labelledby="compare-heading" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h2 id="compare-heading" className="text-lg font-semibold text-neutral-900">
          Compare two runs
        </h2>
        <form method="get" action="/models" className="flex flex-wrap items-end gap-2" aria-label="Runs to compare">
          <label className="flex flex-col gap-1 text-xs font-medium text-neutral-600">
            Run A
            <Select name="a" defaultValue={first} className="w-56">
              {candidates.map((r) => (
                <option key={r.id} value={r.id}>
                  {runLabel(r)}
                </option>
              ))}
            </Select>
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium text-neutral-600">
            Run B
            <Select name="b" defaultValue={second} className="w-56">
              {candidates.map((r) => (
                <option key={r.id} value={r.id}>
                  {runLabel(r)}
                </option>
              ))}
            </Select>
          </label>
          <Button type="submit" variant="secondary">
            Compare
          </Button>
        </form>
      </div>
      {ra && !ra.ok ? <ErrorState title="Run A could not be loaded" {...ra.error} /> : null}
      {rb && !rb.ok ? <ErrorState title="Run B could not be loaded" {...rb.error} /> : null}
      <div className="grid gap-4 lg:grid-cols-2">
        <LineChart
          title="Validation accuracy"
          description={`Validation accuracy per epoch of ${nameA} and ${nameB}`}
          data={rows}
          xKey="epoch"
          xLabel="epoch"
          yDomain={[0, 1]}
          format="percent"
          series={[
            { key: 'aVal', label: nameA },
            { key: 'bVal', label: nameB },
          ]}
          empty="Choose two runs with finished epochs"
        />
        <LineChart
          title="Validation loss"
          description={`Validation loss per epoch of ${nameA} and ${nameB}`}
          data={rows}
          xKey="epoch"
          xLabel="epoch"
          series={[
            { key: 'aLoss', label: nameA },
            { key: 'bLoss', label: nameB },
          ]}
          empty="Choose two runs with finished epochs"
        />
      </div>
    </section>
  );
}

const one = (query: Query, key: string) => (typeof query[key] === 'string' ? (query[key] as string) : undefined);

/** Server component: stored models with actions, clean vs FGSM vs PGD vs AutoAttack bars, and two runs' curves side by side. */
export async function ModelsPage({ query, loadModels = () => attempt(() => listModels()), loadRuns = () => attempt(() => listRuns()), loadRun = (id) => attempt(() => getRun(id)) }: ModelsPageProps) {
  const [models, runs] = await Promise.all([loadModels(), loadRuns()]);
  if (!models.ok) return <ErrorState title="Models could not be loaded" {...models.error} />;
  const robust = robustnessRows(models.data);
  return (
    <div className="flex flex-col gap-10">
      {models.data.length === 0 ? (
        <EmptyState title="No models yet" description="Every succeeded run stores its best checkpoint here." />
      ) : (
        <ModelsTable models={models.data} />
      )}
      <section aria-labelledby="robustness-heading" className="flex flex-col gap-3">
        <div>
          <h2 id="robustness-heading" className="text-lg font-semibold text-neutral-900">
            Clean versus FGSM versus PGD versus AutoAttack
          </h2>
          <p className="text-sm text-neutral-500">
            Accuracy on the same test images, from each model’s latest robust evaluations. “Evaluate” on a model adds FGSM and PGD-20 at 8/255; “AutoAttack” adds AutoAttack (fast) at 8/255 on 200 images.
          </p>
        </div>
        <BarChart
          title="Accuracy under attack"
          description="Clean, FGSM, PGD and AutoAttack accuracy per model"
          data={robust}
          categoryKey="model"
          series={[
            { key: 'clean', label: 'Clean', color: '#0072B2' },
            { key: 'fgsm', label: 'FGSM', color: '#E69F00' },
            { key: 'pgd', label: 'PGD', color: '#D55E00' },
            { key: 'autoattack', label: 'AutoAttack', color: '#CC79A7' },
          ]}
          yDomain={[0, 1]}
          empty="No model has a robust evaluation yet"
        />
      </section>
      {runs.ok ? (
        <CompareRuns runs={runs.data} a={one(query, 'a')} b={one(query, 'b')} loadRun={loadRun} />
      ) : (
        <ErrorState title="Runs could not be loaded" {...runs.error} />
      )}
    </div>
  );
}
