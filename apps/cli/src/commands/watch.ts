import { RunKind } from '@advlab/contract';
import type { CliContext } from '../context';
import { Output, type OutputOptions } from '../output';
import { reportRun } from '../run-report';
import { runView, sweepView } from '../views';

/** `advlab watch <run>`: replays a run's events so far, then follows it live until it ends. */
export async function watch(ctx: CliContext, runId: string, opts: OutputOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const stream = ctx.clients.trainer.watchRun({ runId, afterSequence: 0 }, ctx.clients.metadata());
  await reportRun(out, stream, { view: (run) => (run.kind === RunKind.RUN_KIND_SWEEP ? sweepView(run) : runView(run)) });
}
