import { IMPORT_FIELDS, MODEL_FIELDS, rangeProblem } from '@advlab/config';

/**
 * Architecture of the notebook's `YourCNN`.
 *
 * A stem conv3x3 (3 to `featureMaps[0]`) + BN + ReLU, then one block per consecutive pair of
 * `featureMaps`: [conv3x3, BN, ReLU, conv3x3, BN, ReLU, maxpool 2x2/2, dropout], plus a skip
 * path when `useSkip`; then global average pooling and a linear layer to the classes.
 */
export interface ModelConfig {
  /** Channels of the stem and of each block's output, e.g. `[16, 32, 64]` (two blocks). */
  readonly featureMaps: readonly number[];
  /** Dropout probability at the end of each block, in [0, 1). 0 removes dropout. */
  readonly dropRate: number;
  /** Batch normalisation after every conv. */
  readonly batchNorm: boolean;
  /** Skip path per block: 1x1 stride-2 conv of the block input, or 2x2 max-pool when channels match. */
  readonly useSkip: boolean;
  /** Side of the square input images in pixels; must be divisible by 2^(blocks). */
  readonly imageSize: number;
}

/** The notebook's configuration (the config tables' defaults): `[16, 32, 64]`, dropout 0.2, BN, skip, 64x64 images. */
export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  featureMaps: [...MODEL_FIELDS.featureMaps.default],
  dropRate: MODEL_FIELDS.dropRate.default as number,
  batchNorm: MODEL_FIELDS.batchNorm.default,
  useSkip: MODEL_FIELDS.useSkip.default,
  imageSize: IMPORT_FIELDS.imageSize.default as number,
};

/** Input channels: RGB. */
export const INPUT_CHANNELS = 3;

/** Thrown for an invalid {@link ModelConfig} or class count; `field` names the culprit. */
export class ModelConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ModelConfigError';
  }
}

/** Fills missing fields from {@link DEFAULT_MODEL_CONFIG} and validates the result. */
export function withModelDefaults(partial: Partial<ModelConfig> = {}): ModelConfig {
  const config: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...partial };
  validateModelConfig(config);
  return config;
}

/** Throws a {@link ModelConfigError} naming the first invalid field. */
export function validateModelConfig(config: ModelConfig): void {
  const fm = config.featureMaps;
  if (!Array.isArray(fm) || fm.length < 1) {
    throw new ModelConfigError('featureMaps', 'give at least one channel count, e.g. [32, 64]');
  }
  fm.forEach((c, i) => {
    const problem = rangeProblem(MODEL_FIELDS.featureMaps.item, c);
    if (problem) throw new ModelConfigError(`featureMaps[${i}]`, problem);
  });
  if (typeof config.dropRate !== 'number' || !(config.dropRate >= 0 && config.dropRate < 1)) {
    throw new ModelConfigError('dropRate', `must be in [0, 1), got ${config.dropRate}`);
  }
  if (typeof config.batchNorm !== 'boolean') {
    throw new ModelConfigError('batchNorm', `must be true or false, got ${String(config.batchNorm)}`);
  }
  if (typeof config.useSkip !== 'boolean') {
    throw new ModelConfigError('useSkip', `must be true or false, got ${String(config.useSkip)}`);
  }
  const blocks = fm.length - 1;
  const size = config.imageSize;
  if (!Number.isInteger(size) || size < 1) {
    throw new ModelConfigError('imageSize', `must be a positive integer, got ${size}`);
  }
  if (size % 2 ** blocks !== 0) {
    throw new ModelConfigError('imageSize', `${size} is not divisible by 2^${blocks} (one 2x2 pooling per block); use e.g. ${2 ** blocks * Math.max(1, Math.round(size / 2 ** blocks))}`);
  }
}

/** Throws unless `numClasses` is an integer >= 2. */
export function validateNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new ModelConfigError('numClasses', `must be an integer >= 2, got ${numClasses}`);
  }
}
