import { attempt, listDatasets, listModels, type Loaded } from '@advlab/dashboard-data-access';
import type { DatasetView, ModelView } from '@advlab/dashboard-util';
import { EmptyState, ErrorState } from '@advlab/dashboard-ui';
import { LiveAttack } from './live-attack';

export interface LiveAttackPageProps {
  modelId?: string;
  loadModels?: () => Promise<Loaded<ModelView[]>>;
  loadDatasets?: () => Promise<Loaded<DatasetView[]>>;
}

/** Server component: the models to attack (with their test split sizes) for the live attack. */
export async function LiveAttackPage({ modelId, loadModels = () => attempt(() => listModels()), loadDatasets = () => attempt(listDatasets) }: LiveAttackPageProps) {
  const [models, datasets] = await Promise.all([loadModels(), loadDatasets()]);
  if (!models.ok) return <ErrorState title="Models could not be loaded" {...models.error} />;
  if (models.data.length === 0) return <EmptyState title="No models yet" description="Train a model first; the live attack needs a stored model." />;
  const testSize = (datasetId: string) => {
    const dataset = datasets.ok ? datasets.data.find((d) => d.id === datasetId) : undefined;
    if (!dataset) return 0;
    const counts = dataset.testCounts.length > 0 ? dataset.testCounts : [];
    return counts.reduce((a, b) => a + b, 0);
  };
  return (
    <LiveAttack
      initialModelId={modelId}
      models={models.data.map((m) => ({ id: m.id, name: m.name, datasetId: m.datasetId, classNames: m.config.classNames, testImages: testSize(m.datasetId) }))}
    />
  );
}
