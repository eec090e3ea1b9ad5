import {
  ADVERSARIAL_FIELDS,
  ATTACK_FIELDS,
  AUGMENTATION_FIELDS,
  IMPORT_FIELDS,
  LIVE_ATTACK_FIELDS,
  MAX_SEED,
  MODEL_FIELDS,
  SWEEP_FIELDS,
  TRAINING_FIELDS,
  type NumberField,
} from '@advlab/config';
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

/**
 * A numeric input checked against its config table's range (`@advlab/config`): the same bounds
 * the server applies, so the form never allows what the server refuses, nor refuses what it allows.
 */
export function fieldSchema(field: NumberField, label = field.label, unit = '') {
  let schema = num(label);
  if (field.integer) schema = schema.refine(Number.isInteger, `${label} must be a whole number`);
  return schema
    .refine((v) => (field.minExclusive ? v > field.min : v >= field.min), `${label} must be ${field.minExclusive ? 'above' : 'at least'} ${field.min}${unit}`)
    .refine((v) => (field.maxExclusive ? v < field.max : v <= field.max), `${label} must be ${field.maxExclusive ? 'below' : 'at most'} ${field.max}${unit}`);
}

/** A field in 255ths of the pixel range (the dashboard's unit for budgets), checked against its pixel-scale range. */
function per255(field: NumberField, label: string) {
  const scaled: NumberField = { ...field, min: field.min * 255, max: field.max * 255 };
  return fieldSchema(scaled, label, ' (in /255 units)');
}

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
    .array(
      z
        .number()
        .int('Feature maps must be whole numbers')
        .min(MODEL_FIELDS.featureMaps.item.min, `Feature maps must be at least ${MODEL_FIELDS.featureMaps.item.min}`)
        .max(MODEL_FIELDS.featureMaps.item.max, `Feature maps must be at most ${MODEL_FIELDS.featureMaps.item.max}`),
      { error: 'Enter channel counts separated by commas, e.g. 8, 16' },
    )
    .min(MODEL_FIELDS.featureMaps.minLength, 'Enter at least one channel count, e.g. 8, 16')
    .max(MODEL_FIELDS.featureMaps.maxLength, `Enter at most ${MODEL_FIELDS.featureMaps.maxLength} channel counts`),
);

export const MIX_KINDS = ['none', 'mixup', 'cutmix'] as const;
export const LOSS_KINDS = ['ce', 'ova'] as const;
export const LR_SCHEDULES = ['constant', 'cosine'] as const;

export const modelFieldsSchema = z.object({
  featureMaps: featureMapsSchema,
  dropRate: fieldSchema(MODEL_FIELDS.dropRate),
  batchNorm: checkbox,
  useSkip: checkbox,
});

export const trainingFieldsSchema = z.object({
  epochs: fieldSchema(TRAINING_FIELDS.epochs),
  batchSize: fieldSchema(TRAINING_FIELDS.batchSize),
  learningRate: fieldSchema(TRAINING_FIELDS.learningRate),
  seed: fieldSchema(TRAINING_FIELDS.seed),
  validationFraction: fieldSchema(TRAINING_FIELDS.validationFraction),
  lrSchedule: z.enum(LR_SCHEDULES, { error: 'Choose constant or cosine' }),
  loss: z.enum(LOSS_KINDS, { error: 'Choose cross-entropy or one-versus-all' }),
  mix: z.enum(MIX_KINDS, { error: 'Choose none, Mixup or CutMix' }),
  mixAlpha: fieldSchema(AUGMENTATION_FIELDS.mixupAlpha, 'Alpha'),
  horizontalFlip: checkbox,
  colorJitter: fieldSchema(AUGMENTATION_FIELDS.colorJitter),
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
    epsilon255: per255({ ...ATTACK_FIELDS.epsilonLinf, minExclusive: true }, 'Epsilon'),
    steps: fieldSchema(ATTACK_FIELDS.trainingSteps, 'Steps'),
    stepSize255: per255({ ...ATTACK_FIELDS.stepSizeLinf, max: 1 }, 'Step size'),
    evalImages: fieldSchema(ADVERSARIAL_FIELDS.evalImages),
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
    if (trials > SWEEP_FIELDS.trials.max) ctx.addIssue({ code: 'custom', path: ['axes'], message: `The grid has ${trials} trials; at most ${SWEEP_FIELDS.trials.max} are allowed` });
    const seen = new Set<string>();
    sweep.axes.forEach((axis, i) => {
      if (seen.has(axis.path)) ctx.addIssue({ code: 'custom', path: ['axes', i, 'path'], message: 'This path is already an axis' });
      seen.add(axis.path);
    });
  });

export const newRunRequestSchema = z.discriminatedUnion('kind', [trainRequestSchema, adversarialRequestSchema, sweepRequestSchema]);

export const STUDY_PRESET_NAMES = ['quick', 'notebook'] as const;

/** A study: a dataset, a preset, and optionally a test folder (on the trainer's machine) to submit. */
export const studyRequestSchema = common.extend({
  preset: z.enum(STUDY_PRESET_NAMES, { error: 'Choose quick or notebook' }),
  testFolder: z.string().trim().max(4096, 'The folder path is too long').default(''),
});

export type StudyRequestData = z.output<typeof studyRequestSchema>;

export type TrainRequestInput = z.input<typeof trainRequestSchema>;
export type TrainRequestData = z.output<typeof trainRequestSchema>;
export type AdversarialRequestData = z.output<typeof adversarialRequestSchema>;
export type SweepRequestData = z.output<typeof sweepRequestSchema>;
export type NewRunRequest = z.output<typeof newRunRequestSchema>;
export type ModelFields = z.output<typeof modelFieldsSchema>;
export type TrainingFields = z.output<typeof trainingFieldsSchema>;

/** The attacks the gallery can be drawn from (AutoAttack in its fast version). */
export const ATTACK_METHODS = ['pgd', 'fgsm', 'apgd-ce', 'apgd-dlr', 'apgd-t', 'square', 'autoattack'] as const;

/** Live attacks stream a frame per step: the step attacks only. */
export const LIVE_ATTACK_METHODS = ['pgd', 'fgsm'] as const;

/** How the forms name each attack. */
export const ATTACK_METHOD_LABELS: Record<(typeof ATTACK_METHODS)[number], string> = {
  pgd: 'PGD',
  fgsm: 'FGSM',
  'apgd-ce': 'APGD-CE',
  'apgd-dlr': 'APGD-DLR',
  'apgd-t': 'APGD-T',
  square: 'Square',
  autoattack: 'AutoAttack (fast)',
};

/** The attack of the gallery and of live attacks, in the notebook's /255 units. */
export const attackSettingsSchema = z.object({
  method: z.enum(ATTACK_METHODS, { error: 'Choose an attack' }),
  epsilon255: per255(ATTACK_FIELDS.epsilonLinf, 'Epsilon'),
  steps: fieldSchema(ATTACK_FIELDS.evaluationSteps, 'Steps'),
  stepSize255: per255({ ...ATTACK_FIELDS.stepSizeLinf, max: 1 }, 'Step size'),
});

export const galleryRequestSchema = attackSettingsSchema.extend({
  modelId: z.string().trim().min(1, 'Choose a model'),
  seed: int('Seed', 0, MAX_SEED),
});

/** The body of `POST /api/models/:id/attack`: the gallery's settings without the model, which is in the path. */
export const galleryAttackBodySchema = galleryRequestSchema.omit({ modelId: true });

export type AttackSettings = z.output<typeof attackSettingsSchema>;
export type GalleryRequestData = z.output<typeof galleryRequestSchema>;
export type GalleryAttackBody = z.input<typeof galleryAttackBodySchema>;

/**
 * The body of `POST /api/models/:id/evaluate`: `epsilon255` 0 evaluates clean accuracy only;
 * `autoattack` runs AutoAttack (fast) at that budget instead of FGSM and PGD.
 */
export const evaluateRequestSchema = z.object({
  epsilon255: num('Epsilon').min(0, 'Epsilon must be at least 0').max(255, 'Epsilon must be at most 255 (in /255 units)').default(8),
  maxImages: int('Images', 0, 100_000).default(500),
  autoattack: z.boolean({ error: 'autoattack must be true or false' }).default(false),
});

export type EvaluateRequestInput = z.input<typeof evaluateRequestSchema>;

/** Largest upload the live attack accepts, in bytes (the service takes 16 MiB). */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

export const liveAttackRequestSchema = attackSettingsSchema.extend({
  method: z.enum(LIVE_ATTACK_METHODS, { error: 'Choose PGD or FGSM' }),
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
  topK: int('Top-k', 1, 20).default(LIVE_ATTACK_FIELDS.topK.default as number),
});

export type LiveAttackRequestData = z.output<typeof liveAttackRequestSchema>;

/** Dataset names the trainer accepts: letters, digits, dots, dashes and underscores. */
export const DATASET_NAME_PATTERN = IMPORT_FIELDS.namePattern;

export const DEFAULT_IMPORT_IMAGE_SIZE = IMPORT_FIELDS.imageSize.default as number;

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** A path on the trainer's machine: absolute, or relative to its first import root (the trainer checks it is inside one). */
const serverPath = (label: string) =>
  z
    .string({ error: `Enter the ${label} path` })
    .trim()
    .min(1, `Enter the ${label} path`)
    .max(4096, `The ${label} path is too long`);

/** An ImageFolder import: one sub-folder per class, images resized to `imageSize` squares. */
export const importDatasetRequestSchema = z.object({
  name: z
    .string({ error: 'Enter a name' })
    .trim()
    .min(1, 'Enter a name')
    .max(IMPORT_FIELDS.nameMaxLength, `Name must be at most ${IMPORT_FIELDS.nameMaxLength} characters`)
    .regex(DATASET_NAME_PATTERN, 'Use letters, digits, dots, dashes and underscores only'),
  folder: serverPath('folder'),
  imageSize: z.preprocess(blankToUndefined, fieldSchema(IMPORT_FIELDS.imageSize).default(DEFAULT_IMPORT_IMAGE_SIZE)),
  testFolder: z.preprocess(blankToUndefined, serverPath('test folder').optional()),
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
