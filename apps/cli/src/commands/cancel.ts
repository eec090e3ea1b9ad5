import { RunStatus } from '@advlab/contract';
import type { CliContext } from '../context';
import { statusName } from '../format';
import { runJson } from '../json';
import { Output, type OutputOptions } from '../output';

/** `advlab cancel <id>`: cancels a queued or running run; a running one stops at its next batch. */
export async function cancel(ctx: CliContext, runId: string, opts: OutputOptions & { timeout: number }): Promise<void> {
  const out = new Output(ctx, opts);
  const { run } = await ctx.clients.trainerApi(opts.timeout).cancelRun({ runId });
  out.result({ runId, status: run ? statusName(run.status) : 'unknown', run: run ? runJson(run) : null });
  out.print(run?.status === RunStatus.RUN_STATUS_CANCELLED ? `run ${runId} cancelled` : `run ${runId} is cancelling: it stops at its next batch`);
}
