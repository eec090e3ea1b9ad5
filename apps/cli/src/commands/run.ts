import { RunKind } from '@advlab/contract';
import type { CliContext } from '../context';
import { runJson } from '../json';
import { Output, type OutputOptions } from '../output';
import { runView, sweepView } from '../views';

/** `advlab run <id>`: one run's record and its per-epoch history. */
export async function run(ctx: CliContext, runId: string, opts: OutputOptions & { timeout: number }): Promise<void> {
  const out = new Output(ctx, opts);
  const { run } = await ctx.clients.trainerApi(opts.timeout).getRun({ runId });
  if (!run) throw new Error(`the service returned no run for ${runId}`);
  out.result(runJson(run));
  out.print(run.kind === RunKind.RUN_KIND_SWEEP ? `${sweepView(run)}` : runView(run));
}
