import { Suspense } from 'react';
import { attackGallery, attempt, listModels, type Loaded } from '@advlab/dashboard-data-access';
import type { GalleryRequestData, GalleryView, ModelView, RobustView } from '@advlab/dashboard-util';
import { formatCount, formatEpsilon, formatPercent } from '@advlab/dashboard-util';
import { Button, EmptyState, ErrorState, Field, Input, LoadingBlock, Select, Skeleton, Stat, StatusBadge, fieldAria } from '@advlab/dashboard-ui';
import { GalleryGrid } from './gallery-grid';
import { galleryFormValues, parseGalleryQuery, type GalleryFormValues } from './gallery-query';

type Query = Record<string, string | string[] | undefined>;

export interface GalleryPageProps {
  query: Query;
  loadModels?: () => Promise<Loaded<ModelView[]>>;
  loadGallery?: (request: GalleryRequestData) => Promise<Loaded<GalleryView>>;
}

/** The two invariants every attack must keep, as pass/fail badges. */
export function SanityBadges({ result }: { result: RobustView }) {
  const s = result.sanity;
  if (!s) return <StatusBadge tone="neutral" label="No sanity checks reported" />;
  return (
    <ul className="flex flex-wrap gap-2" aria-label="Sanity checks">
      <li>
        <StatusBadge tone={s.eps0MatchesClean ? 'success' : 'danger'} label={`ε = 0 equals clean: ${s.eps0MatchesClean ? 'yes' : 'no'} (${formatPercent(s.eps0Accuracy)})`} data-check="eps0" data-pass={s.eps0MatchesClean} />
      </li>
      <li>
        <StatusBadge
          tone={s.withinBudget ? 'success' : 'danger'}
          label={`max |δ| ≤ ε: ${s.withinBudget ? 'yes' : 'no'} (${(s.maxPerturbation * 255).toFixed(2)} ≤ ${(result.attack.epsilon * 255).toFixed(2)} /255)`}
          data-check="budget"
          data-pass={s.withinBudget}
        />
      </li>
      <li>
        <StatusBadge tone={s.minPixel >= 0 && s.maxPixel <= 1 ? 'success' : 'danger'} label={`pixels in [0, 1]: ${s.minPixel.toFixed(2)}…${s.maxPixel.toFixed(2)}`} data-check="range" />
      </li>
    </ul>
  );
}

function GallerySummary({ gallery }: { gallery: GalleryView }) {
  const r = gallery.result;
  const fooled = gallery.items.filter((i) => i.success).length;
  return (
    <div className="flex flex-col gap-3">
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Clean accuracy" value={formatPercent(r?.cleanAccuracy)} hint={r ? `${formatCount(r.numImages)} images` : undefined} />
        <Stat label="Robust accuracy" value={formatPercent(r?.robustAccuracy)} hint={r ? `${r.attack.method.toUpperCase()}${r.attack.method === 'pgd' ? `-${r.attack.steps}` : ''}, ε ${r.epsilonLabel || formatEpsilon(r.attack.epsilon)}` : undefined} />
        <Stat label="Attack success" value={formatPercent(r?.attackSuccessRate)} hint="of correctly classified images" />
        <Stat label="Fooled in gallery" value={`${fooled} / ${gallery.items.length}`} />
      </dl>
      {r ? <SanityBadges result={r} /> : null}
    </div>
  );
}

/** Server component: runs the attack and renders the summary and the grid, or the error. */
export async function GalleryResults({ request, load }: { request: GalleryRequestData; load: NonNullable<GalleryPageProps['loadGallery']> }) {
  const result = await load(request);
  if (!result.ok) return <ErrorState title="The attack could not be run" {...result.error} />;
  if (result.data.items.length === 0) return <EmptyState title="The gallery is empty" description="The server returned no examples for this model and attack." />;
  return (
    <section aria-label="Gallery" className="flex flex-col gap-5" data-testid="gallery">
      <GallerySummary gallery={result.data} />
      <GalleryGrid items={result.data.items} />
    </section>
  );
}

function GallerySkeleton() {
  return (
    <LoadingBlock label="Attacking the model" className="gap-5">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {Array.from({ length: 4 }, (_, i) => (
          <Skeleton key={i} className="h-20" />
        ))}
      </div>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4">
        {Array.from({ length: 20 }, (_, i) => (
          <Skeleton key={i} className="h-52" />
        ))}
      </div>
    </LoadingBlock>
  );
}

function SettingsForm({ values, models, errors }: { values: GalleryFormValues; models: readonly ModelView[]; errors: Record<string, string> }) {
  return (
    <form method="get" action="/gallery" className="grid items-end gap-4 rounded-xl border border-neutral-200 bg-white p-5 shadow-xs sm:grid-cols-3 lg:grid-cols-[minmax(0,2fr)_repeat(5,minmax(0,1fr))]" aria-label="Gallery settings">
      <Field id="g-model" label="Model" error={errors['modelId']}>
        <Select {...fieldAria('g-model', errors['modelId'])} name="model" defaultValue={values.modelId}>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name || m.id} ({formatPercent(m.valAccuracy)})
            </option>
          ))}
        </Select>
      </Field>
      <Field id="g-method" label="Attack" error={errors['method']}>
        <Select {...fieldAria('g-method', errors['method'])} name="method" defaultValue={values.method}>
          <option value="pgd">PGD</option>
          <option value="fgsm">FGSM</option>
        </Select>
      </Field>
      <Field id="g-eps" label="ε (/255)" error={errors['epsilon255']}>
        <Input {...fieldAria('g-eps', errors['epsilon255'])} name="eps" inputMode="decimal" defaultValue={values.epsilon255} />
      </Field>
      <Field id="g-steps" label="Steps" error={errors['steps']}>
        <Input {...fieldAria('g-steps', errors['steps'])} name="steps" inputMode="numeric" defaultValue={values.steps} />
      </Field>
      <Field id="g-step" label="Step (/255)" error={errors['stepSize255']}>
        <Input {...fieldAria('g-step', errors['stepSize255'])} name="step" inputMode="decimal" defaultValue={values.stepSize255} />
      </Field>
      <div className="flex items-end gap-2">
        <Field id="g-seed" label="Seed" error={errors['seed']} className="w-20">
          <Input {...fieldAria('g-seed', errors['seed'])} name="seed" inputMode="numeric" defaultValue={values.seed} />
        </Field>
        <Button type="submit">Attack</Button>
      </div>
    </form>
  );
}

/** Server component: attack settings as a shareable GET form, then the summary, sanity badges and the 20 triples. */
export async function GalleryPage({ query, loadModels = () => attempt(() => listModels()), loadGallery = (request) => attempt(() => attackGallery(request)) }: GalleryPageProps) {
  const models = await loadModels();
  if (!models.ok) return <ErrorState title="Models could not be loaded" {...models.error} />;
  if (models.data.length === 0) return <EmptyState title="No models yet" description="Train a model first; the gallery attacks a stored model." />;
  const values = galleryFormValues(query, models.data[0].id);
  const requested = typeof query['model'] === 'string';
  const parsed = parseGalleryQuery(values);
  return (
    <div className="flex flex-col gap-6">
      <SettingsForm values={values} models={models.data} errors={requested && !parsed.ok ? parsed.errors : {}} />
      {!requested ? (
        <EmptyState title="Choose a model and an attack" description="The gallery shows 20 test images, their adversarial versions and the perturbations, with both predictions." />
      ) : parsed.ok ? (
        <Suspense key={JSON.stringify(parsed.request)} fallback={<GallerySkeleton />}>
          <GalleryResults request={parsed.request} load={loadGallery} />
        </Suspense>
      ) : null}
    </div>
  );
}
