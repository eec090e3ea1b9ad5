import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ModelConfig, validateModelConfig, validateNumClasses } from './config';
import { createModel, Model } from './model';
import { countParameters, networkLayout, ParamSpec, sizeOf } from './params';
import { EpochMetrics, TrainConfig, TrainingState } from './train';

/**
 * Checkpoint format, version 2 (one file or database blob, independent of the tensor backend):
 *
 * | bytes | content |
 * |---|---|
 * | 8 | magic `ADVLABCK` |
 * | 4 | format version, uint32 little-endian |
 * | 4 | header length `L` in bytes, uint32 little-endian |
 * | L | UTF-8 JSON {@link CheckpointHeader} |
 * | 0-7 | zero padding to a multiple of 8 |
 * | 4 * total | all tensors as float32 little-endian: the model's (`tensors`), then, in a training checkpoint, Adam's moments (`training.optimizer.m`, `.v`) |
 *
 * A model checkpoint ({@link encodeCheckpoint}) holds the weights only; a training checkpoint
 * ({@link encodeTrainingCheckpoint}) adds `training`: the optimiser and the run's position, to
 * resume it (about three times the size). Version 1 is version 2 without `training`; both are read.
 */
export const CHECKPOINT_MAGIC = 'ADVLABCK';
export const CHECKPOINT_VERSION = 2;
/** The versions {@link decodeCheckpoint} reads. */
export const CHECKPOINT_VERSIONS_READ: readonly number[] = [1, 2];

/** What a checkpoint records besides the weights. */
export interface CheckpointMeta {
  /** Class names, index i naming logit i. */
  readonly classNames: readonly string[];
  /** The training configuration that produced the weights (any JSON). */
  readonly trainConfig?: unknown;
  readonly history?: readonly EpochMetrics[];
  /** Anything else the application wants to keep (JSON). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** One tensor's place in the data section. */
export interface CheckpointTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements from the start of the data section. */
  readonly offset: number;
}

/** A training checkpoint's position and optimiser (a {@link TrainingState} less the tensors, which point into the data section). */
export interface TrainingHeader {
  readonly config: TrainConfig;
  readonly epochsDone: number;
  readonly step: number;
  readonly batchesPerEpoch: number;
  readonly workers: number;
  readonly backend: string;
  readonly history: readonly EpochMetrics[];
  readonly optimizer: {
    readonly kind: 'adam';
    readonly beta1: number;
    readonly beta2: number;
    readonly epsilon: number;
    readonly weightDecay: number;
    readonly t: number;
    readonly m: readonly CheckpointTensor[];
    readonly v: readonly CheckpointTensor[];
  };
}

/** The JSON header. */
export interface CheckpointHeader extends CheckpointMeta {
  readonly format: 'advlab-model';
  readonly modelConfig: ModelConfig;
  readonly numClasses: number;
  readonly numParameters: number;
  readonly createdAt: string;
  readonly tensors: readonly CheckpointTensor[];
  /** Present in training checkpoints only (version 2). */
  readonly training?: TrainingHeader;
}

/** A decoded checkpoint: header plus weights by name, and the training state when it carries one. */
export interface DecodedCheckpoint {
  readonly header: CheckpointHeader;
  readonly weights: Record<string, Float32Array>;
  /** For `TrainHooks.resumeFrom` (its `weights` are the same arrays); null in a model checkpoint. */
  readonly training: TrainingState | null;
}

/** Serialises the model's weights (parameters and BN running statistics) and `meta`, for inference. */
export function encodeCheckpoint(model: Model, meta: CheckpointMeta): Buffer {
  return encode(model.config, model.numClasses, model.getWeights(), meta, null);
}

/**
 * Serialises a run's state at the end of an epoch (from `EpochEnd.snapshot()`) to resume it
 * anywhere: the weights, as {@link encodeCheckpoint} writes them, plus Adam's moments and step
 * count, the configuration, the epoch, the schedule's position and the history. `meta.history`
 * and `meta.trainConfig` default to the state's.
 */
export function encodeTrainingCheckpoint(state: TrainingState, meta: CheckpointMeta): Buffer {
  const withDefaults: CheckpointMeta = { ...meta, trainConfig: meta.trainConfig ?? state.config, history: meta.history ?? state.history };
  return encode(state.modelConfig, state.numClasses, state.weights, withDefaults, state);
}

function encode(modelConfig: ModelConfig, numClasses: number, weights: Readonly<Record<string, Float32Array>>, meta: CheckpointMeta, state: TrainingState | null): Buffer {
  if (meta.classNames.length !== numClasses) {
    throw new Error(`checkpoint: ${meta.classNames.length} class names for a model with ${numClasses} classes`);
  }
  const layout = networkLayout(modelConfig, numClasses);
  const values: Float32Array[] = [];
  let offset = 0;
  const place = (s: ParamSpec, data: Float32Array | undefined, what: string): CheckpointTensor => {
    if (data?.length !== sizeOf(s.shape)) throw new Error(`checkpoint: ${what} ${s.name} needs ${sizeOf(s.shape)} values, got ${data?.length ?? 'none'}`);
    const t = { name: s.name, shape: [...s.shape], offset };
    offset += data.length;
    values.push(data);
    return t;
  };
  const tensors = [...layout.params, ...layout.state].map((s) => place(s, weights[s.name], 'weight'));
  let training: TrainingHeader | undefined;
  if (state) {
    const { m, v, t, beta1, beta2, epsilon, weightDecay } = state.optimizer;
    const moments = (which: Readonly<Record<string, Float32Array>>, what: string) => layout.params.filter((s) => which[s.name]).map((s) => place(s, which[s.name], what));
    const names = Object.keys(m);
    const known = new Set(layout.params.map((s) => s.name));
    if (names.length !== Object.keys(v).length || names.some((n) => !v[n] || !known.has(n))) throw new Error('checkpoint: the optimiser moments do not name the same model parameters');
    const { config, epochsDone, step, batchesPerEpoch, workers, backend, history } = state;
    training = {
      config,
      epochsDone,
      step,
      batchesPerEpoch,
      workers,
      backend,
      history: [...history],
      optimizer: { kind: 'adam', beta1, beta2, epsilon, weightDecay, t, m: moments(m, 'first moment'), v: moments(v, 'second moment') },
    };
  }
  const header: CheckpointHeader = {
    format: 'advlab-model',
    modelConfig,
    numClasses,
    numParameters: countParameters(layout),
    createdAt: new Date().toISOString(),
    classNames: [...meta.classNames],
    trainConfig: meta.trainConfig ?? null,
    history: meta.history ? [...meta.history] : [],
    extra: meta.extra ?? {},
    tensors,
    ...(training ? { training } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = align8(16 + json.length);
  const buf = Buffer.alloc(dataStart + 4 * offset);
  buf.write(CHECKPOINT_MAGIC, 0, 'latin1');
  buf.writeUInt32LE(CHECKPOINT_VERSION, 8);
  buf.writeUInt32LE(json.length, 12);
  json.copy(buf, 16);
  let at = dataStart;
  for (const data of values) {
    for (let i = 0; i < data.length; i++) buf.writeFloatLE(data[i], at + 4 * i);
    at += 4 * data.length;
  }
  return buf;
}

/** Parses and checks a checkpoint of any version this build reads (model or training checkpoint). */
export function decodeCheckpoint(buf: Buffer): DecodedCheckpoint {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== CHECKPOINT_MAGIC) {
    throw new Error('not an advlab model checkpoint (bad magic bytes)');
  }
  const version = buf.readUInt32LE(8);
  if (!CHECKPOINT_VERSIONS_READ.includes(version)) throw new Error(`checkpoint format version ${version} is not supported (this build reads ${CHECKPOINT_VERSIONS_READ.join(' and ')})`);
  const len = buf.readUInt32LE(12);
  if (16 + len > buf.length) throw new Error('checkpoint is truncated (header)');
  const header = JSON.parse(buf.toString('utf8', 16, 16 + len)) as CheckpointHeader;
  if (header.format !== 'advlab-model') throw new Error(`checkpoint format ${String(header.format)} is not advlab-model`);
  validateModelConfig(header.modelConfig);
  validateNumClasses(header.numClasses);
  const dataStart = align8(16 + len);
  const read = (tensors: readonly CheckpointTensor[]): Record<string, Float32Array> => {
    const out: Record<string, Float32Array> = {};
    for (const t of tensors) {
      const n = sizeOf(t.shape);
      const base = dataStart + 4 * t.offset;
      if (base + 4 * n > buf.length) throw new Error(`checkpoint is truncated (tensor ${t.name})`);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = buf.readFloatLE(base + 4 * i);
      out[t.name] = values;
    }
    return out;
  };
  const weights = read(header.tensors);
  const expected = networkLayout(header.modelConfig, header.numClasses);
  for (const s of [...expected.params, ...expected.state]) {
    if (!weights[s.name]) throw new Error(`checkpoint lacks tensor ${s.name}`);
  }
  const t = version >= 2 ? header.training : undefined;
  if (t && t.optimizer?.kind !== 'adam') throw new Error(`checkpoint optimiser ${String(t.optimizer?.kind)} is not adam`);
  const training: TrainingState | null = t
    ? {
        modelConfig: header.modelConfig,
        numClasses: header.numClasses,
        config: t.config,
        epochsDone: t.epochsDone,
        step: t.step,
        batchesPerEpoch: t.batchesPerEpoch,
        workers: t.workers,
        backend: t.backend,
        history: t.history,
        weights,
        optimizer: { beta1: t.optimizer.beta1, beta2: t.optimizer.beta2, epsilon: t.optimizer.epsilon, weightDecay: t.optimizer.weightDecay, t: t.optimizer.t, m: read(t.optimizer.m), v: read(t.optimizer.v) },
      }
    : null;
  return { header, weights, training };
}

/** Builds a model (on the active backend) holding a decoded checkpoint's weights. */
export function modelFromCheckpoint(decoded: DecodedCheckpoint): Model {
  const model = createModel(decoded.header.modelConfig, decoded.header.numClasses);
  model.setWeights(decoded.weights);
  return model;
}

/**
 * Writes a checkpoint atomically: to a temporary file in the same directory, flushed to disk,
 * then renamed over `file`, so readers see either the old or the new checkpoint, never half.
 */
export async function saveCheckpoint(file: string, model: Model, meta: CheckpointMeta): Promise<void> {
  const buf = encodeCheckpoint(model, meta);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(buf);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Reads a checkpoint file and builds its model on the active backend. */
export async function loadCheckpoint(file: string): Promise<{ model: Model; header: CheckpointHeader }> {
  const decoded = decodeCheckpoint(await fs.readFile(file));
  return { model: modelFromCheckpoint(decoded), header: decoded.header };
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
