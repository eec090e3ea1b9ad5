import { TrainRequest } from '@advlab/contract';
import type { CliContext } from '../context';
import { modelConfigFrom, trainingConfigFrom, type ModelTrainingFlags } from '../options';
import { Output, type OutputOptions } from '../output';
import { reportRun } from '../run-report';

export interface TrainOptions extends OutputOptions, ModelTrainingFlags {
  dataset: string;
  name?: string;
  baseModel?: string;
  detach?: boolean;
}

/** `advlab train`: starts a training run and follows it to its end (or returns at once with --detach). */
export async function train(ctx: CliContext, opts: TrainOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const request = TrainRequest.fromPartial({
    datasetId: opts.dataset,
    model: modelConfigFrom(opts),
    training: trainingConfigFrom(opts),
    name: opts.name ?? '',
    baseModelId: opts.baseModel ?? '',
  });
  await reportRun(out, ctx.clients.trainer.train(request, ctx.clients.metadata()), { detach: opts.detach });
}
