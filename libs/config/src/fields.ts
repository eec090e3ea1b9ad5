/**
 * The defaults and ranges of every config field, one table per config message. The request
 * resolvers (`@advlab/config/resolve`) fill and check requests from them; the CLI's help, the
 * dashboard's forms and schemas read them; a test checks the proto comments against them.
 * Nothing here depends on the wire format, so browser code can import it.
 */

/** A number a request may set. */
export interface NumberField {
  readonly kind: 'number';
  /** Its path in the contract, as error messages name it: `training.epochs`. */
  readonly path: string;
  /** For people: "Epochs". */
  readonly label: string;
  /** Absent: no default (the server derives it, e.g. an image size from the dataset). */
  readonly default?: number;
  readonly min: number;
  readonly max: number;
  /** The bound itself is outside the range: `(0, 1]`. */
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  readonly integer?: boolean;
}

/** A switch. */
export interface BooleanField {
  readonly kind: 'boolean';
  readonly path: string;
  readonly label: string;
  readonly default: boolean;
}

/** A list of numbers (feature maps). */
export interface ListField {
  readonly kind: 'list';
  readonly path: string;
  readonly label: string;
  readonly default: readonly number[];
  readonly minLength: number;
  readonly maxLength: number;
  /** Every entry's range. */
  readonly item: NumberField;
}

export type Field = NumberField | BooleanField | ListField;

const num = (path: string, label: string, spec: Omit<NumberField, 'kind' | 'path' | 'label'>): NumberField => ({ kind: 'number', path, label, ...spec });
const bool = (path: string, label: string, value: boolean): BooleanField => ({ kind: 'boolean', path, label, default: value });

/** The largest unsigned 32-bit integer, the range of seeds. */
export const MAX_SEED = 2 ** 32 - 1;

/** `ModelConfig`: the notebook's CNN. */
export const MODEL_FIELDS = {
  featureMaps: {
    kind: 'list',
    path: 'model.feature_maps',
    label: 'Feature maps',
    default: [16, 32, 64],
    minLength: 1,
    maxLength: 8,
    item: num('model.feature_maps[]', 'Feature maps', { min: 1, max: 1024, integer: true }),
  } satisfies ListField,
  dropRate: num('model.drop_rate', 'Dropout', { default: 0.2, min: 0, max: 1, maxExclusive: true }),
  batchNorm: bool('model.batch_norm', 'Batch normalisation', true),
  useSkip: bool('model.use_skip', 'Skip connections', true),
  /** No default: the dataset's image size. */
  imageSize: num('model.image_size', 'Image size', { min: 8, max: 512, integer: true }),
} as const;

/** `TrainingConfig`: Adam with the notebook's settings. */
export const TRAINING_FIELDS = {
  epochs: num('training.epochs', 'Epochs', { default: 10, min: 1, max: 1000, integer: true }),
  batchSize: num('training.batch_size', 'Batch size', { default: 32, min: 1, max: 4096, integer: true }),
  learningRate: num('training.learning_rate', 'Learning rate', { default: 0.001, min: 0, max: 1, minExclusive: true }),
  seed: num('training.seed', 'Seed', { default: 1234, min: 0, max: MAX_SEED, integer: true }),
  validationFraction: num('training.validation_fraction', 'Validation fraction', { default: 0.1, min: 0.01, max: 0.5 }),
  earlyStoppingPatience: num('training.early_stopping_patience', 'Early-stopping patience', { default: 0, min: 0, max: 1000, integer: true }),
  weightDecay: num('training.weight_decay', 'Weight decay', { default: 0, min: 0, max: 1 }),
  maxTrainImages: num('training.max_train_images', 'Training images at most', { default: 0, min: 0, max: 1_000_000, integer: true }),
} as const;

/** `AugmentationConfig`: flips, colour jitter, Mixup or CutMix. */
export const AUGMENTATION_FIELDS = {
  mixupAlpha: num('training.augmentation.mixup.alpha', 'Mixup alpha', { default: 0.4, min: 0, max: 100, minExclusive: true }),
  cutmixAlpha: num('training.augmentation.cutmix.alpha', 'CutMix alpha', { default: 1.0, min: 0, max: 100, minExclusive: true }),
  horizontalFlip: bool('training.augmentation.horizontal_flip', 'Horizontal flips', true),
  colorJitter: num('training.augmentation.color_jitter', 'Colour jitter', { default: 0.2, min: 0, max: 1 }),
} as const;

/**
 * `AttackConfig`, in pixel scale [0, 1]: the notebook's eps = 8/255, step 0.002, 20 steps to
 * evaluate and 10 to train. Budgets and steps depend on the norm.
 */
export const ATTACK_FIELDS = {
  epsilonLinf: num('attack.epsilon', 'Epsilon', { default: 8 / 255, min: 0, max: 1 }),
  epsilonL2: num('attack.epsilon', 'Epsilon (L2)', { default: 0.5, min: 0, max: 64 }),
  stepSizeLinf: num('attack.step_size', 'Step size', { default: 0.002, min: 0, max: 64, minExclusive: true }),
  stepSizeL2: num('attack.step_size', 'Step size (L2)', { default: 0.1, min: 0, max: 64, minExclusive: true }),
  evaluationSteps: num('attack.steps', 'Steps', { default: 20, min: 1, max: 1000, integer: true }),
  trainingSteps: num('attack.steps', 'Steps (adversarial training)', { default: 10, min: 1, max: 1000, integer: true }),
  /** APGD-CE, APGD-DLR and APGD-T: the paper's 100 iterations. */
  apgdSteps: num('attack.steps', 'Steps (APGD)', { default: 100, min: 1, max: 1000, integer: true }),
  /** Square's model queries per restart (AutoAttack's versions set their own unless given). */
  squareQueries: num('attack.queries', 'Queries (Square)', { default: 5000, min: 1, max: 100_000, integer: true }),
  restarts: num('attack.restarts', 'Restarts', { default: 1, min: 1, max: 100, integer: true }),
  randomStart: bool('attack.random_start', 'Random start', true),
} as const;

/** `AdversarialConfig`: the robust validation each epoch. */
export const ADVERSARIAL_FIELDS = {
  evalImages: num('adversarial.eval_images', 'Robust evaluation images', { default: 256, min: 1, max: 10_000, integer: true }),
} as const;

/** The Attack RPC's gallery and robustness curve. */
export const ATTACK_REPORT_FIELDS = {
  gallerySize: num('gallery_size', 'Gallery size', { default: 20, min: 0, max: 100, integer: true }),
  amplification: num('amplification', 'Amplification', { default: 10, min: 1, max: 100 }),
  curvePoints: num('curve_epsilons', 'Curve points', { default: 0, min: 0, max: 32, integer: true }),
  evaluateAttacks: num('attacks', 'Attacks per evaluation', { default: 0, min: 0, max: 8, integer: true }),
} as const;

/** A live attack's frames (StreamAttack, LiveAttack). */
export const LIVE_ATTACK_FIELDS = {
  topK: num('top_k', 'Top-k', { default: 5, min: 1, max: 1000, integer: true }),
  frameEvery: num('frame_every', 'Frame every', { default: 1, min: 1, max: 1000, integer: true }),
  amplification: ATTACK_REPORT_FIELDS.amplification,
} as const;

/** `SweepConfig`. */
export const SWEEP_FIELDS = {
  trials: num('sweep.axes', 'Trials', { min: 1, max: 256, integer: true }),
  robustImages: num('sweep.robust_images', 'Robust ranking images', { default: 256, min: 1, max: 10_000, integer: true }),
} as const;

/** `StudyConfig`: the ranges of its fields; their defaults are the presets' (`STUDY_PRESETS`). */
export const STUDY_FIELDS = {
  epochs: num('study.epochs', 'Epochs', { min: 1, max: 1000, integer: true }),
  adversarialEpochs: num('study.adversarial_epochs', 'Adversarial training epochs', { min: 1, max: 1000, integer: true }),
  attackImages: num('study.attack_images', 'Attacked test images', { min: 0, max: 100_000, integer: true }),
  adversarialEvalImages: num('study.adversarial_eval_images', 'Robust evaluation images', { min: 1, max: 10_000, integer: true }),
} as const;

/** A study preset's settings: the grid as sweep axes (path, JSON values) and the numbers. */
export interface StudyPresetSettings {
  readonly grid: readonly { readonly path: string; readonly values: readonly string[] }[];
  readonly epochs: number;
  readonly adversarialEpochs: number;
  /** 0 = every test image. */
  readonly attackImages: number;
  readonly adversarialEvalImages: number;
  /** Training images every training uses at most (`training.max_train_images`); 0 = all. */
  readonly maxTrainImages: number;
  readonly curveEpsilons: readonly number[];
}

/**
 * The study presets. `notebook` is the notebook's Question 3.2 grid and its 10 epochs on all
 * the data; `quick` is a two-trial grid of a tiny model, one epoch per training on 1000
 * training images and 50 attacked test images, for a first look and tests.
 */
export const STUDY_PRESETS = {
  quick: {
    grid: [
      { path: 'model.feature_maps', values: ['[8,16]'] },
      { path: 'model.use_skip', values: ['true', 'false'] },
      { path: 'training.learning_rate', values: ['0.005'] },
    ],
    epochs: 1,
    adversarialEpochs: 1,
    attackImages: 50,
    adversarialEvalImages: 32,
    maxTrainImages: 1000,
    curveEpsilons: [0, 4 / 255, 8 / 255],
  },
  notebook: {
    grid: [
      { path: 'model.feature_maps', values: ['[32,64]', '[16,32,64]'] },
      { path: 'model.use_skip', values: ['true', 'false'] },
      { path: 'training.learning_rate', values: ['0.001', '0.0005'] },
    ],
    epochs: 10,
    adversarialEpochs: 10,
    attackImages: 0,
    adversarialEvalImages: 256,
    maxTrainImages: 0,
    curveEpsilons: [0, 1 / 255, 2 / 255, 4 / 255, 8 / 255, 16 / 255],
  },
} as const satisfies Record<string, StudyPresetSettings>;

/** `ImportDatasetRequest` and uploads. */
export const IMPORT_FIELDS = {
  imageSize: num('image_size', 'Image size', { default: 64, min: 8, max: 512, integer: true }),
  nameMaxLength: 64,
  /** Letters, digits, '.', '_' and '-'. */
  namePattern: /^[A-Za-z0-9._-]{1,64}$/,
  /** Largest encoded image a client may send (`ImageInput.data`). */
  maxUploadBytes: 16 * 1024 * 1024,
} as const;

/** `[1, 1000]`, `(0, 1]`. */
export function rangeText(field: NumberField): string {
  return `${field.minExclusive ? '(' : '['}${field.min}, ${field.max}${field.maxExclusive ? ')' : ']'}`;
}

/** Whether `value` lies in the field's range (and is an integer when it must be). */
export function inRange(field: NumberField, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (field.integer && !Number.isInteger(value)) return false;
  const lo = field.minExclusive ? value > field.min : value >= field.min;
  const hi = field.maxExclusive ? value < field.max : value <= field.max;
  return lo && hi;
}

/** `must be an integer in [1, 1000], got 0`: what is wrong with `value`, or undefined when nothing is. */
export function rangeProblem(field: NumberField, value: number): string | undefined {
  if (inRange(field, value)) return undefined;
  return `must be ${field.integer ? 'an integer ' : ''}in ${rangeText(field)}, got ${value}`;
}
