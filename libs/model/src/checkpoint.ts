import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ModelConfig, validateModelConfig, validateNumClasses } from './config';
import { createModel, Model } from './model';
import { networkLayout, sizeOf } from './params';
import { EpochMetrics } from './train';

/**
 * Checkpoint file format, version 1 (one file, independent of the tensor backend):
 *
 * | bytes | content |
 * |---|---|
 * | 8 | magic `ADVLABCK` |
 * | 4 | format version, uint32 little-endian |
 * | 4 | header length `L` in bytes, uint32 little-endian |
 * | L | UTF-8 JSON {@link CheckpointHeader} |
 * | 0-7 | zero padding to a multiple of 8 |
 * | 4 * total | all tensors as float32 little-endian, in header order |
 */
export const CHECKPOINT_MAGIC = 'ADVLABCK';
export const CHECKPOINT_VERSION = 1;

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

/** The JSON header. */
export interface CheckpointHeader extends CheckpointMeta {
  readonly format: 'advlab-model';
  readonly modelConfig: ModelConfig;
  readonly numClasses: number;
  readonly numParameters: number;
  readonly createdAt: string;
  readonly tensors: readonly CheckpointTensor[];
}

/** A decoded checkpoint: header plus weights by name. */
export interface DecodedCheckpoint {
  readonly header: CheckpointHeader;
  readonly weights: Record<string, Float32Array>;
}

/** Serialises the model's weights (parameters and BN running statistics) and `meta`. */
export function encodeCheckpoint(model: Model, meta: CheckpointMeta): Buffer {
  if (meta.classNames.length !== model.numClasses) {
    throw new Error(`checkpoint: ${meta.classNames.length} class names for a model with ${model.numClasses} classes`);
  }
  const weights = model.getWeights();
  const specs = [...model.layout.params, ...model.layout.state];
  let offset = 0;
  const tensors = specs.map((s) => {
    const t = { name: s.name, shape: [...s.shape], offset };
    offset += sizeOf(s.shape);
    return t;
  });
  const header: CheckpointHeader = {
    format: 'advlab-model',
    modelConfig: model.config,
    numClasses: model.numClasses,
    numParameters: model.numParameters(),
    createdAt: new Date().toISOString(),
    classNames: [...meta.classNames],
    trainConfig: meta.trainConfig ?? null,
    history: meta.history ? [...meta.history] : [],
    extra: meta.extra ?? {},
    tensors,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = align8(16 + json.length);
  const buf = Buffer.alloc(dataStart + 4 * offset);
  buf.write(CHECKPOINT_MAGIC, 0, 'latin1');
  buf.writeUInt32LE(CHECKPOINT_VERSION, 8);
  buf.writeUInt32LE(json.length, 12);
  json.copy(buf, 16);
  for (const t of tensors) {
    const values = weights[t.name];
    const base = dataStart + 4 * t.offset;
    for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i], base + 4 * i);
  }
  return buf;
}

/** Parses and checks a checkpoint produced by {@link encodeCheckpoint}. */
export function decodeCheckpoint(buf: Buffer): DecodedCheckpoint {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== CHECKPOINT_MAGIC) {
    throw new Error('not an advlab model checkpoint (bad magic bytes)');
  }
  const version = buf.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) throw new Error(`checkpoint format version ${version} is not supported (this build reads ${CHECKPOINT_VERSION})`);
  const len = buf.readUInt32LE(12);
  if (16 + len > buf.length) throw new Error('checkpoint is truncated (header)');
  const header = JSON.parse(buf.toString('utf8', 16, 16 + len)) as CheckpointHeader;
  if (header.format !== 'advlab-model') throw new Error(`checkpoint format ${String(header.format)} is not advlab-model`);
  validateModelConfig(header.modelConfig);
  validateNumClasses(header.numClasses);
  const dataStart = align8(16 + len);
  const weights: Record<string, Float32Array> = {};
  for (const t of header.tensors) {
    const n = sizeOf(t.shape);
    const base = dataStart + 4 * t.offset;
    if (base + 4 * n > buf.length) throw new Error(`checkpoint is truncated (tensor ${t.name})`);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = buf.readFloatLE(base + 4 * i);
    weights[t.name] = values;
  }
  const expected = networkLayout(header.modelConfig, header.numClasses);
  for (const s of [...expected.params, ...expected.state]) {
    if (!weights[s.name]) throw new Error(`checkpoint lacks tensor ${s.name}`);
  }
  return { header, weights };
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
