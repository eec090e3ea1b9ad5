import { AttackMethod, AutoAttackVersion, SweepRankBy, SweepRequest, type SweepAxis } from '@advlab/contract';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { attackConfigFrom, modelConfigFrom, trainingConfigFrom, type AttackFlags, type ModelTrainingFlags } from '../options';
import { Output, type OutputOptions } from '../output';
import { reportRun } from '../run-report';
import { sweepView } from '../views';

export interface SweepOptions extends OutputOptions, ModelTrainingFlags, AttackFlags {
  dataset: string;
  axis?: SweepAxis[];
  /** 'autoattack': robust accuracy under AutoAttack. */
  rankBy?: SweepRankBy | 'autoattack';
  robustImages?: number;
  name?: string;
  detach?: boolean;
}

/** `advlab sweep`: trains the grid of the --axis values and ranks the trials. */
export async function sweep(ctx: CliContext, opts: SweepOptions): Promise<void> {
  const out = new Output(ctx, opts);
  if (!opts.axis?.length) throw new UsageError('sweep needs at least one --axis, e.g. --axis training.learning_rate=0.001,0.0005');
  const autoattack = opts.rankBy === 'autoattack';
  const custom = opts.eps !== undefined || opts.steps !== undefined || opts.step !== undefined;
  const request = SweepRequest.fromPartial({
    datasetId: opts.dataset,
    model: modelConfigFrom(opts),
    training: trainingConfigFrom(opts),
    sweep: {
      axes: opts.axis,
      rankBy: opts.rankBy === 'autoattack' ? SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY : opts.rankBy,
      robustAttack: autoattack
        ? attackConfigFrom({ eps: opts.eps, norm: opts.norm, queries: opts.queries, version: opts.version ?? AutoAttackVersion.AUTO_ATTACK_VERSION_FAST }, AttackMethod.ATTACK_METHOD_AUTOATTACK)
        : custom
          ? attackConfigFrom({ ...opts, version: undefined, queries: undefined })
          : undefined,
      robustImages: opts.robustImages,
    },
    name: opts.name ?? '',
  });
  await reportRun(out, ctx.clients.trainer.sweep(request, ctx.clients.metadata()), { detach: opts.detach, view: sweepView });
}
