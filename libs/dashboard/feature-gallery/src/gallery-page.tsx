import { attempt, listModels, type Loaded } from '@advlab/dashboard-data-access';
import type { ModelView } from '@advlab/dashboard-util';
import { formatPercent } from '@advlab/dashboard-util';
import { EmptyState, ErrorState } from '@advlab/dashboard-ui';
import { GalleryAttack } from './gallery-attack';
import { galleryFormValues } from './gallery-query';

type Query = Record<string, string | string[] | undefined>;

export interface GalleryPageProps {
  query: Query;
  loadModels?: () => Promise<Loaded<ModelView[]>>;
}

/**
 * Server component: lists the models and renders the attack settings, prefilled from the
 * query string. It starts no attack: the form POSTs to `/api/models/:id/attack`.
 */
export async function GalleryPage({ query, loadModels = () => attempt(() => listModels()) }: GalleryPageProps) {
  const models = await loadModels();
  if (!models.ok) return <ErrorState title="Models could not be loaded" {...models.error} />;
  if (models.data.length === 0) return <EmptyState title="No models yet" description="Train a model first; the gallery attacks a stored model." />;
  const options = models.data.map((m) => ({ id: m.id, label: `${m.name || m.id} (${formatPercent(m.valAccuracy)})` }));
  const initial = galleryFormValues(query, models.data[0].id);
  if (!options.some((m) => m.id === initial.modelId)) initial.modelId = options[0].id;
  return <GalleryAttack models={options} initial={initial} />;
}
