import { FORM_DEFAULTS, fieldErrors, galleryRequestSchema, type FieldErrors, type GalleryRequestData } from '@advlab/dashboard-util';

type Query = Record<string, string | string[] | undefined>;

/** The gallery's settings as the form shows them (text), prefilled from the page's query. */
export interface GalleryFormValues {
  modelId: string;
  method: string;
  epsilon255: string;
  steps: string;
  stepSize255: string;
  seed: string;
}

/** The notebook's evaluation attack: PGD-20, eps 8/255, step 0.002 (0.51/255), pixel scale [0, 1]. */
export const GALLERY_DEFAULTS: Omit<GalleryFormValues, 'modelId'> = {
  method: 'pgd',
  epsilon255: FORM_DEFAULTS.epsilon255,
  steps: FORM_DEFAULTS.evaluationSteps,
  stepSize255: FORM_DEFAULTS.stepSize255,
  seed: '0',
};

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

/** Validates the settings before they are sent to `POST /api/models/:id/attack`. */
export function parseGalleryQuery(values: GalleryFormValues): { ok: true; request: GalleryRequestData } | { ok: false; errors: FieldErrors } {
  const parsed = galleryRequestSchema.safeParse(values);
  return parsed.success ? { ok: true, request: parsed.data } : { ok: false, errors: fieldErrors(parsed.error) };
}

/** The settings as the page's query string (`model`, `method`, `eps`, `steps`, `step`, `seed`), to share or reload the form. */
export function galleryQueryString(values: GalleryFormValues): string {
  return new URLSearchParams({ model: values.modelId, method: values.method, eps: values.epsilon255, steps: values.steps, step: values.stepSize255, seed: values.seed }).toString();
}
