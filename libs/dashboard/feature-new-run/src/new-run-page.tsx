import { attempt, listDatasets, listModels, type Loaded } from '@advlab/dashboard-data-access';
import type { DatasetView, ModelView } from '@advlab/dashboard-util';
import { ErrorState } from '@advlab/dashboard-ui';
import type { RunFormKind } from './form-state';
import { NewRunForm } from './new-run-form';

export interface NewRunPageProps {
  kind?: string;
  loadDatasets?: () => Promise<Loaded<DatasetView[]>>;
  loadModels?: () => Promise<Loaded<ModelView[]>>;
}

const KINDS: readonly RunFormKind[] = ['train', 'adversarial', 'sweep'];

/** Server component: loads the datasets and models the form offers, then renders it. */
export async function NewRunPage({ kind, loadDatasets = () => attempt(listDatasets), loadModels = () => attempt(() => listModels()) }: NewRunPageProps) {
  const [datasets, models] = await Promise.all([loadDatasets(), loadModels()]);
  if (!datasets.ok) return <ErrorState title="Datasets could not be loaded" {...datasets.error} />;
  return (
    <NewRunForm
      initialKind={KINDS.find((k) => k === kind) ?? 'train'}
      datasets={datasets.data.map((d) => ({ id: d.id, name: d.name, imageSize: d.imageSize, classes: d.classNames.length }))}
      models={models.ok ? models.data.map((m) => ({ id: m.id, name: m.name, datasetId: m.datasetId })) : []}
    />
  );
}
