import Link from 'next/link';
import { Suspense } from 'react';
import { BarChart } from '@advlab/dashboard-charts';
import { attempt, listDatasets, sampleDataset, type Loaded, type SampleAugmentation, type SampleOptions } from '@advlab/dashboard-data-access';
import type { DatasetView, SampleView } from '@advlab/dashboard-util';
import { formatCount, formatDateTime } from '@advlab/dashboard-util';
import { Badge, Card, CardContent, CardDescription, CardHeader, CardTitle, EmptyState, ErrorState, LoadingBlock, Skeleton, Stat, Table, Td, Th, cn } from '@advlab/dashboard-ui';
import { classCountRows, totals } from './dataset-stats';
import { ImportDatasetForm } from './import-dataset-form';
import { SampleGrid } from './sample-grid';

type Samples = { samples: SampleView[]; classNames: string[] };

export interface DatasetsPageProps {
  datasetId?: string;
  loadDatasets?: () => Promise<Loaded<DatasetView[]>>;
  loadSamples?: (datasetId: string, options: SampleOptions) => Promise<Loaded<Samples>>;
}

const defaultSamples = (datasetId: string, options: SampleOptions) => attempt(() => sampleDataset(datasetId, options));

const PREVIEWS: { augmentation: SampleAugmentation; title: string; description: string }[] = [
  { augmentation: 'flip-jitter', title: 'Flip and colour jitter', description: 'Random horizontal flip and brightness, contrast and saturation jitter (0.4).' },
  { augmentation: 'mixup', title: 'Mixup (α = 0.4)', description: 'Each image blended with another of the batch; the label weights are the blend.' },
  { augmentation: 'cutmix', title: 'CutMix (α = 1)', description: 'A box pasted from another image; the weights are the exact pasted area.' },
];

/** Server component: sample images of a dataset, or the error that prevented them. */
export async function DatasetSamples({ datasetId, options, label, load }: { datasetId: string; options: SampleOptions; label: string; load: NonNullable<DatasetsPageProps['loadSamples']> }) {
  const result = await load(datasetId, options);
  if (!result.ok) return <ErrorState title="Sample images could not be loaded" {...result.error} />;
  return <SampleGrid samples={result.data.samples} label={label} />;
}

function SamplesSkeleton({ count }: { count: number }) {
  return (
    <LoadingBlock label="Loading sample images" className="grid grid-cols-4 gap-3 sm:grid-cols-6 lg:grid-cols-8">
      {Array.from({ length: count }, (_, i) => (
        <Skeleton key={i} className="aspect-square" />
      ))}
    </LoadingBlock>
  );
}

function DatasetDetail({ dataset, loadSamples }: { dataset: DatasetView; loadSamples: NonNullable<DatasetsPageProps['loadSamples']> }) {
  const t = totals(dataset);
  return (
    <div className="flex flex-col gap-6" data-testid="dataset-detail">
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Classes" value={dataset.classNames.length} />
        <Stat label="Training images" value={formatCount(t.train)} hint="before the validation split" />
        <Stat label="Test images" value={t.test > 0 ? formatCount(t.test) : '—'} hint={t.test > 0 ? undefined : 'no labelled test set'} />
        <Stat label="Image size" value={`${dataset.imageSize} px`} />
      </dl>
      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,20rem)]">
        <BarChart
          title="Images per class"
          description={`Training and test images for each of the ${dataset.classNames.length} classes`}
          data={classCountRows(dataset)}
          categoryKey="label"
          series={t.test > 0 ? [{ key: 'train', label: 'Train' }, { key: 'test', label: 'Test' }] : [{ key: 'train', label: 'Train' }]}
          format="number"
          height={260}
        />
        <Card>
          <CardHeader>
            <div>
              <CardTitle>Import summary</CardTitle>
              <CardDescription className="break-all">{dataset.source || 'bundled'}</CardDescription>
            </div>
          </CardHeader>
          <CardContent className="flex flex-col gap-3 text-sm">
            <p className="text-neutral-600">Imported {formatDateTime(dataset.createdAt)}.</p>
            {dataset.skipped.length === 0 ? (
              <p className="text-neutral-700">No files were skipped.</p>
            ) : (
              <div>
                <p className="mb-2 font-medium text-neutral-800">
                  {dataset.skipped.length} file{dataset.skipped.length === 1 ? '' : 's'} skipped
                </p>
                <ul className="flex max-h-48 flex-col gap-1 overflow-y-auto text-xs" aria-label="Skipped files">
                  {dataset.skipped.map((s) => (
                    <li key={s.path} className="flex justify-between gap-2">
                      <span className="truncate font-mono text-neutral-700" title={s.path}>
                        {s.path}
                      </span>
                      <Badge tone="warning">{s.reason}</Badge>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </CardContent>
        </Card>
      </div>
      <section aria-labelledby="samples-heading" className="flex flex-col gap-3">
        <h2 id="samples-heading" className="text-lg font-semibold text-neutral-900">
          Sample images
        </h2>
        <Suspense fallback={<SamplesSkeleton count={32} />}>
          <DatasetSamples datasetId={dataset.id} options={{ count: 32, seed: 0, augmentation: 'none' }} label="Sample images with their labels" load={loadSamples} />
        </Suspense>
      </section>
      <section aria-labelledby="augmentation-heading" className="flex flex-col gap-5">
        <div>
          <h2 id="augmentation-heading" className="text-lg font-semibold text-neutral-900">
            Augmentation preview
          </h2>
          <p className="text-sm text-neutral-500">The same kinds of batches training sees, made by the trainer with a fixed seed.</p>
        </div>
        {PREVIEWS.map((p) => (
          <div key={p.augmentation} className="flex flex-col gap-2">
            <h3 className="text-sm font-semibold text-neutral-800">
              {p.title} <span className="font-normal text-neutral-500">· {p.description}</span>
            </h3>
            <Suspense fallback={<SamplesSkeleton count={8} />}>
              <DatasetSamples datasetId={dataset.id} options={{ count: 8, seed: 1, augmentation: p.augmentation }} label={p.title} load={loadSamples} />
            </Suspense>
          </div>
        ))}
      </section>
    </div>
  );
}

/** Server component: the datasets, and for the chosen one its classes, counts, import summary, samples and augmentation previews. */
export async function DatasetsPage({ datasetId, loadDatasets = () => attempt(listDatasets), loadSamples = defaultSamples }: DatasetsPageProps) {
  const result = await loadDatasets();
  if (!result.ok) return <ErrorState title="Datasets could not be loaded" {...result.error} />;
  const datasets = result.data;
  if (datasets.length === 0)
    return (
      <div className="flex flex-col gap-8">
        <EmptyState title="No datasets" description="Import an image folder below, or IDX files with the CLI (advlab import)." />
        <ImportDatasetForm />
      </div>
    );
  const selected = datasets.find((d) => d.id === datasetId) ?? datasets[0];
  return (
    <div className="flex flex-col gap-8">
      <Table aria-label="Datasets">
        <thead>
          <tr>
            <Th scope="col">Dataset</Th>
            <Th scope="col" className="text-right">
              Classes
            </Th>
            <Th scope="col" className="text-right">
              Train
            </Th>
            <Th scope="col" className="text-right">
              Test
            </Th>
            <Th scope="col" className="text-right">
              Size
            </Th>
            <Th scope="col" className="text-right">
              Skipped
            </Th>
          </tr>
        </thead>
        <tbody>
          {datasets.map((d) => {
            const t = totals(d);
            const current = d.id === selected.id;
            return (
              <tr key={d.id} className={cn(current ? 'bg-sky-50/60' : 'hover:bg-neutral-50')}>
                <Td>
                  <Link href={`/datasets?dataset=${encodeURIComponent(d.id)}`} aria-current={current ? 'true' : undefined} className="font-medium text-neutral-900 underline-offset-2 hover:underline">
                    {d.name}
                  </Link>{' '}
                  {d.builtin ? <Badge tone="info">bundled</Badge> : null}
                </Td>
                <Td className="text-right tabular-nums">{d.classNames.length}</Td>
                <Td className="text-right tabular-nums">{formatCount(t.train)}</Td>
                <Td className="text-right tabular-nums">{t.test > 0 ? formatCount(t.test) : '—'}</Td>
                <Td className="text-right tabular-nums">{d.imageSize} px</Td>
                <Td className="text-right tabular-nums">{d.skipped.length}</Td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      <ImportDatasetForm />
      <section aria-label={`Dataset ${selected.name}`} className="flex flex-col gap-4">
        <h2 className="text-xl font-semibold text-neutral-900">{selected.name}</h2>
        <DatasetDetail dataset={selected} loadSamples={loadSamples} />
      </section>
    </div>
  );
}
