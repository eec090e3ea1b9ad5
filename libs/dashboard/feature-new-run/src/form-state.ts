import { FORM_DEFAULTS, newRunRequestSchema, fieldErrors, type FieldErrors, type NewRunRequest } from '@advlab/dashboard-util';

export type RunFormKind = 'train' | 'adversarial' | 'sweep';

export interface SweepAxisInput {
  path: string;
  values: string;
}

/** Everything the new-run form holds, as the inputs hold it (text for numbers). */
export interface RunFormValues {
  kind: RunFormKind;
  name: string;
  datasetId: string;
  featureMaps: string;
  dropRate: string;
  batchNorm: boolean;
  useSkip: boolean;
  epochs: string;
  batchSize: string;
  learningRate: string;
  seed: string;
  validationFraction: string;
  lrSchedule: string;
  loss: string;
  mix: string;
  mixAlpha: string;
  horizontalFlip: boolean;
  colorJitter: string;
  baseModelId: string;
  method: string;
  epsilon255: string;
  steps: string;
  stepSize255: string;
  evalImages: string;
  axes: SweepAxisInput[];
  rankBy: string;
}

/**
 * The config tables' defaults (FORM_DEFAULTS), except three choices of this form for a quick
 * first run on the bundled 28 px data: feature maps 8, 16, 2 epochs, batches of 64.
 */
export function defaultFormValues(kind: RunFormKind, datasetId = ''): RunFormValues {
  return {
    kind,
    name: '',
    datasetId,
    featureMaps: '8, 16',
    dropRate: FORM_DEFAULTS.dropRate,
    batchNorm: true,
    useSkip: true,
    epochs: '2',
    batchSize: '64',
    learningRate: FORM_DEFAULTS.learningRate,
    seed: FORM_DEFAULTS.seed,
    validationFraction: FORM_DEFAULTS.validationFraction,
    lrSchedule: 'constant',
    loss: 'ce',
    mix: 'none',
    mixAlpha: FORM_DEFAULTS.mixupAlpha,
    horizontalFlip: true,
    colorJitter: FORM_DEFAULTS.colorJitter,
    baseModelId: '',
    method: 'pgd',
    epsilon255: FORM_DEFAULTS.epsilon255,
    steps: FORM_DEFAULTS.trainingSteps,
    stepSize255: FORM_DEFAULTS.stepSize255,
    evalImages: FORM_DEFAULTS.evalImages,
    axes: [{ path: 'training.learning_rate', values: '[0.001, 0.0005]' }],
    rankBy: 'val',
  };
}

/** The request body the form sends for its kind. */
export function toRequestBody(values: RunFormValues): Record<string, unknown> {
  const common = {
    kind: values.kind,
    name: values.name,
    datasetId: values.datasetId,
    model: { featureMaps: values.featureMaps, dropRate: values.dropRate, batchNorm: values.batchNorm, useSkip: values.useSkip },
    training: {
      epochs: values.epochs,
      batchSize: values.batchSize,
      learningRate: values.learningRate,
      seed: values.seed,
      validationFraction: values.validationFraction,
      lrSchedule: values.lrSchedule,
      loss: values.loss,
      mix: values.mix,
      mixAlpha: values.mixAlpha,
      horizontalFlip: values.horizontalFlip,
      colorJitter: values.colorJitter,
    },
  };
  if (values.kind === 'adversarial')
    return {
      ...common,
      baseModelId: values.baseModelId,
      adversarial: { method: values.method, epsilon255: values.epsilon255, steps: values.steps, stepSize255: values.stepSize255, evalImages: values.evalImages },
    };
  if (values.kind === 'sweep') return { ...common, axes: values.axes, rankBy: values.rankBy };
  return common;
}

export type Validation = { ok: true; request: NewRunRequest } | { ok: false; errors: FieldErrors };

/** Validates the form with the same schema the server applies. */
export function validateRunForm(values: RunFormValues): Validation {
  const parsed = newRunRequestSchema.safeParse(toRequestBody(values));
  return parsed.success ? { ok: true, request: parsed.data } : { ok: false, errors: fieldErrors(parsed.error) };
}

/** A trial count for the sweep grid, or null while an axis does not parse. */
export function sweepTrialCount(axes: readonly SweepAxisInput[]): number | null {
  let product = 1;
  for (const axis of axes) {
    try {
      const values = JSON.parse(axis.values) as unknown;
      if (!Array.isArray(values) || values.length === 0) return null;
      product *= values.length;
    } catch {
      return null;
    }
  }
  return product;
}
