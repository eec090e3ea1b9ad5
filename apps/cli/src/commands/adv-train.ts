import { AdversarialTrainRequest } from '@advlab/contract';
import type { CliContext } from '../context';
import { attackConfigFrom, modelConfigFrom, trainingConfigFrom, type AttackFlags, type ModelTrainingFlags } from '../options';
import { Output, type OutputOptions } from '../output';
import { reportRun } from '../run-report';

export interface AdvTrainOptions extends OutputOptions, ModelTrainingFlags, AttackFlags {
  dataset: string;
  name?: string;
  baseModel?: string;
  detach?: boolean;
  evalImages?: number;
  evalSteps?: number;
}

/** `advlab adv-train`: PGD or FGSM-RS adversarial training, from scratch or from a stored model. */
export async function advTrain(ctx: CliContext, opts: AdvTrainOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const attack = attackConfigFrom(opts);
  const request = AdversarialTrainRequest.fromPartial({
    datasetId: opts.dataset,
    model: modelConfigFrom(opts),
    training: trainingConfigFrom(opts),
    adversarial: {
      attack,
      evalAttack: opts.evalSteps !== undefined ? { ...attack, method: undefined, steps: opts.evalSteps } : undefined,
      evalImages: opts.evalImages,
    },
    name: opts.name ?? '',
    baseModelId: opts.baseModel ?? '',
  });
  await reportRun(out, ctx.clients.trainer.adversarialTrain(request, ctx.clients.metadata()), { detach: opts.detach });
}
