import { z } from 'zod';

/**
 * Request schemas shared by the dashboard's forms (validated in the browser before sending)
 * and its route handlers (validated again on the server). Numbers arrive from inputs as
 * strings, so numeric fields coerce; every message says what to enter.
 */

const int = (label: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${label} must be a number` })
    .int(`${label} must be a whole number`)
    .min(min, `${label} must be at least ${min}`)
    .max(max, `${label} must be at most ${max}`);

const num = (label: string) => z.coerce.number({ error: `${label} must be a number` }).refine(Number.isFinite, `${label} must be a number`);

const checkbox = z.preprocess((value) => value === true || value === 'true' || value === 'on', z.boolean());

/** "8, 16, 32" or [8, 16, 32] -> [8, 16, 32]. */
export const featureMapsSchema = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(/[\s,]+/)
          .filter(Boolean)
          .map((part) => Number(part))
      : value,
  z
    .array(z.number().int('Feature maps must be whole numbers').min(1, 'Feature maps must be at least 1').max(1024, 'Feature maps must be at most 1024'), {
      error: 'Enter channel counts separated by commas, e.g. 8, 16',
    })
    .min(2, 'Enter at least two channel counts, e.g. 8, 16'),
);

export const MIX_KINDS = ['none', 'mixup', 'cutmix'] as const;
export const LOSS_KINDS = ['ce', 'ova'] as const;
export const LR_SCHEDULES = ['constant', 'cosine'] as const;

export const modelFieldsSchema = z.object({
  featureMaps: featureMapsSchema,
  dropRate: num('Dropout').min(0, 'Dropout must be at least 0').max(0.99, 'Dropout must be below 1'),
  batchNorm: checkbox,
  useSkip: checkbox,
});

export const trainingFieldsSchema = z.object({
  epochs: int('Epochs', 1, 1000),
  batchSize: int('Batch size', 1, 4096),
  learningRate: num('Learning rate').gt(0, 'Learning rate must be above 0').max(1, 'Learning rate must be at most 1'),
  seed: int('Seed', 0, 2 ** 32 - 1),
  validationFraction: num('Validation fraction').min(0.01, 'Validation fraction must be at least 0.01').max(0.5, 'Validation fraction must be at most 0.5'),
  lrSchedule: z.enum(LR_SCHEDULES, { error: 'Choose constant or cosine' }),
  loss: z.enum(LOSS_KINDS, { error: 'Choose cross-entropy or one-versus-all' }),
  mix: z.enum(MIX_KINDS, { error: 'Choose none, Mixup or CutMix' }),
  mixAlpha: num('Alpha').gt(0, 'Alpha must be above 0').max(10, 'Alpha must be at most 10'),
  horizontalFlip: checkbox,
  colorJitter: num('Colour jitter').min(0, 'Colour jitter must be at least 0').max(1, 'Colour jitter must be at most 1'),
});

const common = z.object({
  name: z.string().trim().max(120, 'Name must be at most 120 characters').default(''),
  datasetId: z.string().trim().min(1, 'Choose a dataset'),
});

export const trainRequestSchema = common.extend({ kind: z.literal('train'), model: modelFieldsSchema, training: trainingFieldsSchema });

export const ADVERSARIAL_METHODS = ['pgd', 'fgsm-rs'] as const;

export const adversarialFieldsSchema = z
  .object({
    method: z.enum(ADVERSARIAL_METHODS, { error: 'Choose PGD or FGSM with random start' }),
    epsilon255: num('Epsilon').gt(0, 'Epsilon must be above 0').max(255, 'Epsilon must be at most 255 (in /255 units)'),
    steps: int('Steps', 1, 1000),
    stepSize255: num('Step size').gt(0, 'Step size must be above 0').max(255, 'Step size must be at most 255'),
    evalImages: int('Robust evaluation images', 1, 10000),
  })
  .refine((a) => a.stepSize255 <= a.epsilon255 * 2.5, { path: ['stepSize255'], message: 'Step size is far larger than epsilon; use at most 2.5 x epsilon' });

export const adversarialRequestSchema = common.extend({
  kind: z.literal('adversarial'),
  baseModelId: z.string().trim().default(''),
  model: modelFieldsSchema,
  training: trainingFieldsSchema,
  adversarial: adversarialFieldsSchema,
});

/** Config fields a sweep can vary, with an example of their values. */
export const SWEEP_PATHS = [
  { path: 'model.feature_maps', example: '[[8,16],[16,32]]' },
  { path: 'model.use_skip', example: '[true,false]' },
  { path: 'model.drop_rate', example: '[0,0.2]' },
  { path: 'training.learning_rate', example: '[0.001,0.0005]' },
  { path: 'training.batch_size', example: '[32,64]' },
  { path: 'training.augmentation.mixup.alpha', example: '[0.2,0.4]' },
  { path: 'training.augmentation.cutmix.alpha', example: '[0.5,1]' },
  { path: 'training.loss', example: '["LOSS_KIND_CROSS_ENTROPY","LOSS_KIND_ONE_VS_ALL"]' },
] as const;

/** A JSON array of values: "[0.001, 0.0005]" -> ["0.001", "0.0005"], each value re-encoded as JSON. */
export const sweepValuesSchema = z.string().transform((text, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'Enter a JSON array of values, e.g. [0.001, 0.0005]' });
    return z.NEVER;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'Enter a JSON array with at least one value' });
    return z.NEVER;
  }
  return parsed.map((value) => JSON.stringify(value));
});

export const sweepAxisSchema = z.object({
  path: z
    .string()
    .trim()
    .regex(/^[a-z_]+(\.[a-z_]+)+$/, 'Enter a dotted config path, e.g. training.learning_rate'),
  values: sweepValuesSchema,
});

export const SWEEP_RANKINGS = ['val', 'robust'] as const;

export const sweepRequestSchema = common
  .extend({
    kind: z.literal('sweep'),
    model: modelFieldsSchema,
    training: trainingFieldsSchema,
    axes: z.array(sweepAxisSchema).min(1, 'Add at least one axis'),
    rankBy: z.enum(SWEEP_RANKINGS),
  })
  .superRefine((sweep, ctx) => {
    const trials = sweep.axes.reduce((product, axis) => product * axis.values.length, 1);
    if (trials > 256) ctx.addIssue({ code: 'custom', path: ['axes'], message: `The grid has ${trials} trials; at most 256 are allowed` });
    const seen = new Set<string>();
    sweep.axes.forEach((axis, i) => {
      if (seen.has(axis.path)) ctx.addIssue({ code: 'custom', path: ['axes', i, 'path'], message: 'This path is already an axis' });
      seen.add(axis.path);
    });
  });

export const newRunRequestSchema = z.discriminatedUnion('kind', [trainRequestSchema, adversarialRequestSchema, sweepRequestSchema]);

export type TrainRequestInput = z.input<typeof trainRequestSchema>;
export type TrainRequestData = z.output<typeof trainRequestSchema>;
export type AdversarialRequestData = z.output<typeof adversarialRequestSchema>;
export type SweepRequestData = z.output<typeof sweepRequestSchema>;
export type NewRunRequest = z.output<typeof newRunRequestSchema>;
export type ModelFields = z.output<typeof modelFieldsSchema>;
export type TrainingFields = z.output<typeof trainingFieldsSchema>;

export const ATTACK_METHODS = ['pgd', 'fgsm'] as const;

/** The attack of the gallery and of live attacks, in the notebook's /255 units. */
export const attackSettingsSchema = z.object({
  method: z.enum(ATTACK_METHODS, { error: 'Choose PGD or FGSM' }),
  epsilon255: num('Epsilon').min(0, 'Epsilon must be at least 0').max(255, 'Epsilon must be at most 255 (in /255 units)'),
  steps: int('Steps', 1, 200),
  stepSize255: num('Step size').gt(0, 'Step size must be above 0').max(255, 'Step size must be at most 255'),
});

export const galleryRequestSchema = attackSettingsSchema.extend({
  modelId: z.string().trim().min(1, 'Choose a model'),
  seed: int('Seed', 0, 2 ** 32 - 1),
});

/** The body of `POST /api/models/:id/attack`: the gallery's settings without the model, which is in the path. */
export const galleryAttackBodySchema = galleryRequestSchema.omit({ modelId: true });

export type AttackSettings = z.output<typeof attackSettingsSchema>;
export type GalleryRequestData = z.output<typeof galleryRequestSchema>;
export type GalleryAttackBody = z.input<typeof galleryAttackBodySchema>;

/** The body of `POST /api/models/:id/evaluate`: `epsilon255` 0 evaluates clean accuracy only. */
export const evaluateRequestSchema = z.object({
  epsilon255: num('Epsilon').min(0, 'Epsilon must be at least 0').max(255, 'Epsilon must be at most 255 (in /255 units)').default(8),
  maxImages: int('Images', 0, 100_000).default(500),
});

export type EvaluateRequestInput = z.input<typeof evaluateRequestSchema>;

/** Largest upload the live attack accepts, in bytes (the service takes 16 MiB). */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

export const liveAttackRequestSchema = attackSettingsSchema.extend({
  modelId: z.string().trim().min(1, 'Choose a model'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('dataset'), datasetId: z.string().min(1, 'Choose a dataset'), index: int('Image index', 0, 1_000_000) }),
    z.object({
      type: z.literal('upload'),
      name: z.string().max(200).default('upload'),
      base64: z
        .string()
        .min(1, 'Choose an image file')
        .max(Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 4, 'The image is larger than 8 MiB'),
    }),
  ]),
  topK: int('Top-k', 1, 20).default(5),
});

export type LiveAttackRequestData = z.output<typeof liveAttackRequestSchema>;

/** Dataset names the trainer accepts: letters, digits, dots, dashes and underscores. */
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export const DEFAULT_IMPORT_IMAGE_SIZE = 64;

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** Absolute POSIX or Windows path (the trainer resolves it on its own machine). */
const absolutePath = (label: string) =>
  z
    .string({ error: `Enter the ${label} path` })
    .trim()
    .min(1, `Enter the ${label} path`)
    .max(4096, `The ${label} path is too long`)
    .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'Enter an absolute path on the server, e.g. /data/flowers');

/** An ImageFolder import: one sub-folder per class, images resized to `imageSize` squares. */
export const importDatasetRequestSchema = z.object({
  name: z
    .string({ error: 'Enter a name' })
    .trim()
    .min(1, 'Enter a name')
    .max(64, 'Name must be at most 64 characters')
    .regex(DATASET_NAME_PATTERN, 'Use letters, digits, dots, dashes and underscores only'),
  folder: absolutePath('folder'),
  imageSize: z.preprocess(blankToUndefined, int('Image size', 8, 512).default(DEFAULT_IMPORT_IMAGE_SIZE)),
  testFolder: z.preprocess(blankToUndefined, absolutePath('test folder').optional()),
});

export type ImportDatasetInput = z.input<typeof importDatasetRequestSchema>;
export type ImportDatasetRequestData = z.output<typeof importDatasetRequestSchema>;

/** The body of `POST /api/session`: the dashboard's access token (`ADVLAB_TOKEN`). */
export const sessionRequestSchema = z.object({
  token: z.string({ error: 'Enter the access token' }).trim().min(1, 'Enter the access token').max(4096, 'The access token is at most 4096 characters'),
});

/** Field path -> first message, for showing errors next to their inputs. */
export type FieldErrors = Record<string, string>;

/** Flattens a zod error into messages keyed by dotted field path ("training.epochs"). */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_form';
    out[key] ??= issue.message;
  }
  return out;
}
