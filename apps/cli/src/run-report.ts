import type { Run, RunEvent } from '@advlab/contract';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { EXIT, OperationFailed } from './errors';
import { detachedHint, followRun } from './follow';
import { statusName } from './format';
import { modelJson, runJson, trialJson } from './json';
import type { Output } from './output';
import { rankTrials, runView } from './views';

/**
 * Follows a run's stream to its end and reports it: the final record (with
 * its history) as a table or JSON. A run that did not succeed exits 1; Ctrl-C
 * leaves the run going and exits 130; --detach returns once the run exists.
 */
export async function reportRun(
  out: Output,
  stream: ClientReadableStream<{ event?: RunEvent }>,
  opts: { detach?: boolean; view?: (run: Run) => string } = {},
): Promise<void> {
  const followed = await followRun(out, stream, { detach: opts.detach });
  const runId = followed.runId;
  if (followed.outcome === 'detached') {
    if (!runId) throw new OperationFailed('stopped before the service created the run', EXIT.interrupted);
    out.result({ runId, status: followed.run ? statusName(followed.run.status) : 'unknown', detached: true, run: followed.run ? runJson(followed.run) : null });
    if (followed.interrupted) {
      detachedHint(out, runId, 'stopped following');
      throw new OperationFailed('', EXIT.interrupted);
    }
    out.print(`run ${runId} submitted`);
    if (!out.machine) detachedHint(out, runId, 'detached');
    return;
  }
  const { run } = await out.ctx.clients.trainerApi().getRun({ runId });
  const final = run ?? followed.run;
  out.result({
    runId,
    status: followed.outcome,
    modelId: followed.model?.id ?? final?.modelId ?? '',
    error: followed.error ?? '',
    run: final ? runJson(final) : null,
    model: followed.model ? modelJson(followed.model) : null,
    trials: (final?.trials.length ? rankTrials(final) : followed.trials).map(trialJson),
  });
  if (final) out.print((opts.view ?? runView)(final));
  if (followed.outcome === 'failed') throw new OperationFailed(`run ${runId} failed: ${followed.error || 'no reason given'}`);
  if (followed.outcome !== 'succeeded') throw new OperationFailed(`run ${runId} ${followed.error || followed.outcome}`);
  if (followed.model) out.print(`model ${followed.model.id} stored`);
}
