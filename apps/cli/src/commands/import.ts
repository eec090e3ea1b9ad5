import { ImportDatasetRequest, type Dataset, type ImportDatasetResponse } from '@advlab/contract';
import * as path from 'node:path';
import type { CliContext } from '../context';
import { table } from '../format';
import { datasetJson } from '../json';
import { Output, type OutputOptions } from '../output';
import { datasetView } from '../views';

export interface ImportOptions extends OutputOptions {
  size?: number;
  test?: string;
  maxPixels?: number;
}

/**
 * `advlab import <name> <folder>`: imports an ImageFolder (one sub-folder per
 * class) into the service's cache. The service reads the folder, so it must
 * be on the service's machine; relative paths are resolved here.
 */
export async function importDataset(ctx: CliContext, name: string, folder: string, opts: ImportOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const request = ImportDatasetRequest.fromPartial({
    name,
    source: { $case: 'imageFolder', value: path.resolve(ctx.cwd, folder) },
    imageSize: opts.size ?? 0,
    testFolder: opts.test ? path.resolve(ctx.cwd, opts.test) : '',
    maxPixels: opts.maxPixels ?? 0,
  });
  const progress = out.progress();
  let dataset: Dataset | undefined;
  try {
    for await (const res of ctx.clients.trainer.importDataset(request, ctx.clients.metadata()) as AsyncIterable<ImportDatasetResponse>) {
      const e = res.event;
      if (e?.$case === 'progress') progress.update('import', e.value.done, e.value.total, e.value.skipped ? `${e.value.skipped} skipped` : '');
      else if (e?.$case === 'dataset') dataset = e.value;
    }
  } finally {
    progress.done();
  }
  if (!dataset) throw new Error('the import ended without a dataset');
  out.result(datasetJson(dataset));
  out.print(datasetView(dataset));
  if (dataset.skipped.length) out.print(table(['skipped file', 'reason'], dataset.skipped.map((s) => [s.path, s.reason])));
}
