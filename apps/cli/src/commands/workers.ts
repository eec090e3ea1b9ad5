import { WorkerRole, type Worker } from '@advlab/contract';
import type { CliContext } from '../context';
import { ago, table, when, workerRoleName, workerStateName } from '../format';
import { workerJson } from '../json';
import { Output, type OutputOptions } from '../output';

export interface WorkersOptions extends OutputOptions {
  all?: boolean;
  timeout: number;
}

/** "onednn x4"; the backend alone when the trainer does not say how many threads. */
const backendText = (w: Worker) => (w.backend ? (w.threads > 0 ? `${w.backend} x${w.threads}` : w.backend) : '-');

/** Runs executing now of the runs it may execute at once; the api trains nothing. */
const loadText = (w: Worker) => (w.role === WorkerRole.WORKER_ROLE_API ? '-' : `${w.runIds.length}/${w.slots}`);

/** `advlab workers`: the trainer processes sharing the registry (the api and the workers; on one machine, one process). */
export async function workers(ctx: CliContext, opts: WorkersOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const { workers } = await ctx.clients.trainerApi(opts.timeout).listWorkers({ includeStopped: !!opts.all });
  out.result({ workers: workers.map(workerJson) });
  if (out.machine) return;
  if (!workers.length) return out.print(opts.all ? 'no workers' : 'no workers alive (--all also lists the stopped and lost ones)');
  const now = Date.now();
  out.print(
    table(
      ['worker', 'role', 'state', 'host:pid', 'backend', { header: 'runs', align: 'right' }, 'heartbeat', 'started'],
      workers.map((w) => [w.id, workerRoleName(w.role), workerStateName(w.state), `${w.host}:${w.pid}`, backendText(w), loadText(w), ago(w.heartbeatAt, now), when(w.startedAt)]),
    ),
  );
}
