/**
 * Models: ListModels, GetModel, DeleteModel, and Predict with a stored model on uploaded
 * images or a folder inside the import roots.
 */
import { predictionOf, type ImagePrediction, type PredictRequest, type PredictResponse, type TrainerServiceServer } from '@advlab/contract';
import { checkUploadSize } from '@advlab/config/resolve';
import { decodeImage, imagesToTensor, scanFlatFolder } from '@advlab/data';
import { invalidArgument, serverStream, unary, type WorkPool } from '@advlab/grpc-server';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainerDeps } from '../service';

const MAX_PREDICT_IMAGES = 1024;
const PREDICT_CHUNK = 256;

/** Decodes in flight while a Predict chunk is read. */
const PREDICT_DECODES_IN_FLIGHT = 8;

/** `fn` over `items`, at most `limit` at once, results in order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One image to predict: encoded bytes sent by the client, or a file of a folder, or what made it unusable. */
type PredictItem = { id: string; read: () => Promise<{ ok: true; pixels: Uint8Array } | { ok: false; error: string }> };

/**
 * Predict: uploads (at most 1024, each at most 16 MiB) or a flat folder inside the import
 * roots, answered in chunks of 256 images. A folder is scanned first (bounded by the roots'
 * limits) and decoded chunk by chunk, so memory holds one chunk, not the folder. Unreadable
 * images are per-image errors, never a failed call; the folder's skipped entries come last.
 */
export async function* predictStream(deps: TrainerDeps, request: Pick<PredictRequest, 'modelId' | 'input' | 'topK'>, signal: AbortSignal): AsyncGenerator<PredictResponse> {
  if (!request.modelId) throw invalidArgument('model_id is required');
  const record = await deps.registry.models.get(request.modelId);
  const size = record.config?.imageSize ?? 0;
  const classNames = record.config?.classNames ?? [];
  const topK = request.topK ?? 1;
  if (!Number.isInteger(topK) || topK < 1 || topK > classNames.length) {
    throw invalidArgument(`top_k must be in [1, ${classNames.length}], got ${topK}`);
  }
  const decodeOpts = { imageSize: size, limitInputPixels: deps.registry.datasets.pixelLimit() };
  const decode = async (input: string | Buffer) => {
    const decoded = await decodeImage(input, decodeOpts);
    return decoded.ok ? { ok: true as const, pixels: decoded.pixels } : { ok: false as const, error: `${decoded.reason}: ${decoded.detail}` };
  };
  let items: PredictItem[];
  if (request.input?.$case === 'images') {
    const inputs = request.input.value.images;
    if (!inputs.length) throw invalidArgument('images must not be empty');
    if (inputs.length > MAX_PREDICT_IMAGES) throw invalidArgument(`at most ${MAX_PREDICT_IMAGES} images per request, got ${inputs.length}`);
    inputs.forEach((img, i) => checkUploadSize(img.data.length, `images[${i}].data`));
    items = inputs.map((img, i) => ({ id: img.id || String(i), read: () => decode(Buffer.from(img.data)) }));
  } else if (request.input?.$case === 'folder') {
    const folder = await deps.registry.datasets.resolveFolder(request.input.value);
    const roots = await deps.registry.datasets.fileRoots();
    const scan = await scanFlatFolder(folder.path, { signal, within: folder.root, limits: roots.limits });
    if (!scan.files.length) throw invalidArgument(`${request.input.value}: no image file in the folder${scan.skipped.length ? ` (${scan.skipped.length} entries skipped)` : ''}`);
    items = [
      ...scan.files.map((f) => ({ id: f.path, read: () => decode(f.absPath) })),
      ...scan.skipped.map((s) => ({ id: s.path, read: async () => ({ ok: false as const, error: `${s.reason}${s.detail ? `: ${s.detail}` : ''}` }) })),
    ];
  } else {
    throw invalidArgument('input is required: images or folder');
  }
  const total = items.length;
  const lease = await deps.registry.models.acquire(request.modelId);
  const { model, loss } = lease.loaded;
  try {
    for (let start = 0; start < total; start += PREDICT_CHUNK) {
      if (signal.aborted) return;
      const chunk = items.slice(start, start + PREDICT_CHUNK);
      // A few decodes in flight (files are read whole): memory holds the chunk's pixels, not its files.
      const decoded = await mapConcurrent(chunk, PREDICT_DECODES_IN_FLIGHT, (item) => item.read());
      const rows = decoded.filter((d) => d.ok).length;
      const pixels = new Uint8Array(rows * size * size * 3);
      let row = 0;
      for (const d of decoded) if (d.ok) pixels.set(d.pixels, row++ * size * size * 3);
      let probs: Float32Array = new Float32Array(0);
      if (rows > 0) {
        const p = tf.tidy(() => model.predictProba(imagesToTensor(pixels, rows, size, size), loss));
        probs = (await p.data()) as Float32Array;
        p.dispose();
      }
      row = 0;
      const predictions: ImagePrediction[] = chunk.map((item, i) => {
        const d = decoded[i];
        if (!d.ok) return { id: item.id, prediction: undefined, error: d.error };
        const r = row++;
        return { id: item.id, prediction: predictionOf(probs.subarray(r * classNames.length, (r + 1) * classNames.length), classNames, topK), error: '' };
      });
      yield { predictions, done: start + chunk.length, total };
    }
  } finally {
    lease.release();
  }
}

/** A stream that holds a pool slot from its first message to its end. */
async function* pooled<T>(pool: WorkPool, signal: AbortSignal, stream: () => AsyncGenerator<T>): AsyncGenerator<T> {
  const release = await pool.acquire(signal);
  try {
    yield* stream();
  } finally {
    release();
  }
}

/** The model handlers of the TrainerService. */
export function modelHandlers(deps: TrainerDeps): Pick<TrainerServiceServer, 'listModels' | 'getModel' | 'deleteModel' | 'predict'> {
  const { registry } = deps;
  return {
    listModels: unary('ListModels', async (request) => registry.models.list(request)),
    getModel: unary('GetModel', async (request) => ({ model: await registry.models.get(request.modelId) })),
    deleteModel: unary('DeleteModel', async (request) => {
      await registry.models.delete(request.modelId);
      return { modelId: request.modelId };
    }),
    predict: serverStream('Predict', (request, { signal }) => pooled(deps.pool, signal, () => predictStream(deps, request, signal))),
  };
}
