import { RunKind } from '@advlab/contract';
import type { CliContext } from '../context';
import { runJson } from '../json';
import { Output, type OutputOptions } from '../output';
import { runView, sweepView } from '../views';
import { studyView } from './study';

/** `advlab run <id>`: one run's record and its per-epoch history (a sweep's ranked trials, a study's stages). */
export async function run(ctx: CliContext, runId: string, opts: OutputOptions & { timeout: number }): Promise<void> {
  const out = new Output(ctx, opts);
  const api = ctx.clients.trainerApi(opts.timeout);
  const { run } = await api.getRun({ runId });
  if (!run) throw new Error(`the service returned no run for ${runId}`);
  out.result(runJson(run));
  if (run.kind === RunKind.RUN_KIND_STUDY) out.print(studyView(await api.getStudy({ runId })));
  else out.print(run.kind === RunKind.RUN_KIND_SWEEP ? `${sweepView(run)}` : runView(run));
}
