import { PredictRequest, submissionCsv, type ImageInput, type ImagePrediction, type PredictResponse } from '@advlab/contract';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CliContext } from '../context';
import { OperationFailed, UsageError } from '../errors';
import { pct, table } from '../format';
import { Output, type OutputOptions } from '../output';

export interface PredictOptions extends OutputOptions {
  out?: string;
  topK?: number;
  serverFolder?: boolean;
}

/** Images per Predict request, and their bytes (the service takes up to 1024 and 64 MiB). */
const CHUNK_IMAGES = 512;
const CHUNK_BYTES = 32 * 1024 * 1024;

/** The files of a flat folder, by name in code-point order; hidden files and sub-folders are left out. */
export async function folderFiles(folder: string): Promise<string[]> {
  const entries = await fs.readdir(folder, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(err.code === 'ENOENT' ? `folder ${folder} does not exist` : `cannot read folder ${folder}: ${err.message}`);
  });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads a Predict stream, reporting progress as `offset + done` of `total`. */
function readPredictions(
  stream: AsyncIterable<PredictResponse>,
  onProgress: (done: number) => void,
): Promise<ImagePrediction[]> {
  return (async () => {
    const predictions: ImagePrediction[] = [];
    for await (const res of stream) {
      predictions.push(...res.predictions);
      onProgress(res.done);
    }
    return predictions;
  })();
}

/**
 * `advlab predict <model> <folder>`: predicts every image of a flat folder. The
 * files are uploaded in chunks (so the service may run elsewhere); with
 * --server-folder the service reads the folder itself. Writes a submission
 * CSV with --out.
 */
export async function predict(ctx: CliContext, modelId: string, folderArg: string, opts: PredictOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const folder = path.resolve(ctx.cwd, folderArg);
  const topK = opts.topK ?? 1;
  const progress = out.progress();
  const call = (input: PredictRequest['input']) =>
    ctx.clients.trainer.predict(PredictRequest.fromPartial({ modelId, topK, input }), ctx.clients.metadata()) as unknown as AsyncIterable<PredictResponse>;

  const predictions: ImagePrediction[] = [];
  try {
    if (opts.serverFolder) {
      predictions.push(...(await readPredictions(call({ $case: 'folder', value: folder }), (done) => progress.update('predict', done, Math.max(done, 1)))));
    } else {
      const files = await folderFiles(folder);
      if (!files.length) throw new UsageError(`folder ${folder} has no files to predict`);
      let chunk: ImageInput[] = [];
      let chunkBytes = 0;
      let sent = 0;
      const flush = async () => {
        const offset = sent;
        predictions.push(...(await readPredictions(call({ $case: 'images', value: { images: chunk } }), (done) => progress.update('predict', offset + done, files.length))));
        sent += chunk.length;
        chunk = [];
        chunkBytes = 0;
      };
      for (const name of files) {
        const data = await fs.readFile(path.join(folder, name));
        if (chunk.length && (chunk.length >= CHUNK_IMAGES || chunkBytes + data.length > CHUNK_BYTES)) await flush();
        chunk.push({ id: name, data });
        chunkBytes += data.length;
      }
      await flush();
    }
  } finally {
    progress.done();
  }

  const failed = predictions.filter((p) => p.error || !p.prediction);
  const ok = predictions.length - failed.length;
  let csv: string | null = null;
  if (opts.out !== undefined) {
    csv = path.resolve(ctx.cwd, opts.out);
    await fs.writeFile(csv, submissionCsv(predictions, topK));
  }
  out.result({
    modelId,
    folder,
    total: predictions.length,
    predicted: ok,
    out: csv,
    predictions: predictions
      .filter((p) => !p.error && p.prediction)
      .map((p) => ({
        id: p.id,
        label: p.prediction?.label ?? '',
        classIndex: p.prediction?.classIndex ?? 0,
        confidence: p.prediction?.confidence ?? 0,
        topK: (p.prediction?.topK ?? []).map((c) => ({ label: c.label, classIndex: c.classIndex, probability: c.probability })),
      })),
    errors: failed.map((p) => ({ id: p.id, error: p.error || 'no prediction' })),
  });
  for (const p of failed.slice(0, 10)) out.warn(`${p.id}: ${p.error || 'no prediction'}`);
  if (failed.length > 10) out.warn(`... and ${failed.length - 10} more unreadable files`);
  if (!out.machine) {
    if (csv) out.print(`${ok} predictions written to ${csv}${failed.length ? ` (${failed.length} unreadable files left out)` : ''}`);
    else {
      out.print(
        table(
          ['id', 'label', { header: 'confidence', align: 'right' }, ...(topK > 1 ? ['top k'] : [])],
          predictions
            .filter((p) => !p.error && p.prediction)
            .map((p) => [
              p.id,
              p.prediction?.label ?? '',
              pct(p.prediction?.confidence),
              ...(topK > 1 ? [(p.prediction?.topK ?? []).map((c) => `${c.label} ${pct(c.probability)}`).join(', ')] : []),
            ]),
        ),
      );
    }
  }
  if (ok === 0) throw new OperationFailed(`no image of ${folder} could be predicted`);
}
