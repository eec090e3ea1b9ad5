import { fieldErrors, galleryRequestSchema, type FieldErrors, type GalleryRequestData } from '@advlab/dashboard-util';

type Query = Record<string, string | string[] | undefined>;

/** The gallery's settings as the form shows them (text), from the page's query. */
export interface GalleryFormValues {
  modelId: string;
  method: string;
  epsilon255: string;
  steps: string;
  stepSize255: string;
  seed: string;
}

export const GALLERY_DEFAULTS: Omit<GalleryFormValues, 'modelId'> = { method: 'pgd', epsilon255: '8', steps: '10', stepSize255: '2', seed: '0' };

const one = (query: Query, key: string) => (typeof query[key] === 'string' ? (query[key] as string) : undefined);

export function galleryFormValues(query: Query, fallbackModelId = ''): GalleryFormValues {
  return {
    modelId: one(query, 'model') ?? fallbackModelId,
    method: one(query, 'method') ?? GALLERY_DEFAULTS.method,
    epsilon255: one(query, 'eps') ?? GALLERY_DEFAULTS.epsilon255,
    steps: one(query, 'steps') ?? GALLERY_DEFAULTS.steps,
    stepSize255: one(query, 'step') ?? GALLERY_DEFAULTS.stepSize255,
    seed: one(query, 'seed') ?? GALLERY_DEFAULTS.seed,
  };
}

/** Validates the settings; the gallery is only requested for a valid query naming a model. */
export function parseGalleryQuery(values: GalleryFormValues): { ok: true; request: GalleryRequestData } | { ok: false; errors: FieldErrors } {
  const parsed = galleryRequestSchema.safeParse(values);
  return parsed.success ? { ok: true, request: parsed.data } : { ok: false, errors: fieldErrors(parsed.error) };
}
