import type { Run, RunEvent } from '@advlab/contract';
import type { Logger } from '@advlab/grpc-server';
import { TERMINAL_STATUSES, type RunStore } from '@advlab/registry';
import type { Job } from 'graphile-worker';
import { abortKind, type ChildRunner, type JobBody, type RunDispatcher, type RunManager } from '../runs';
import type { Cluster } from './cluster';

const TERMINAL_EVENTS = new Set(['finished', 'failed', 'cancelled', 'interrupted']);
const isTerminal = (e: RunEvent) => !!e.event && TERMINAL_EVENTS.has(e.event.$case);

/**
 * The api side of a scaled-out trainer: runs are queued in PostgreSQL for any
 * worker, and watched from the database wherever they run.
 */
export class ClusterDispatcher implements RunDispatcher {
  constructor(
    private readonly cluster: Cluster,
    private readonly runs: RunStore,
  ) {}

  submit(run: Run): Promise<Run> {
    return this.cluster.submit(run);
  }

  get(runId: string): Promise<Run> {
    return this.cluster.get(runId);
  }

  cancel(runId: string): Promise<Run> {
    return this.cluster.cancel(runId);
  }

  /**
   * The stored log after `afterSequence`, then new events as the worker
   * running the run stores them (woken by notifications, polled every second
   * besides), with its batch progress relayed live, until the run ends.
   */
  async *watch(runId: string, afterSequence: number, signal: AbortSignal): AsyncGenerator<RunEvent> {
    await this.cluster.get(runId);
    let progress: RunEvent | undefined;
    let wake: (() => void) | undefined;
    const unsubscribe = this.cluster.onProgress(runId, (event) => {
      progress = event;
      wake?.();
    });
    try {
      let last = afterSequence;
      while (!signal.aborted) {
        for (const event of await this.runs.eventsAfter(runId, last)) {
          yield event;
          last = event.sequence;
          if (isTerminal(event)) return;
        }
        if (progress) {
          const event = progress;
          progress = undefined;
          yield event;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          void this.cluster.waitForEvents(runId, 1000, signal).then(resolve);
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
    }
  }
}

/**
 * A coordinating run's children, scaled out: each is queued as its own job
 * (unless it already exists: a coordinator taken over finds its children
 * again) and followed to its end. Cancelling the parent cancels them; a
 * parent stopped for another reason leaves them running for whoever takes it over.
 */
export function clusterChildRunner(cluster: Cluster, runs: RunStore): ChildRunner {
  return async (children, signal, onFinished) => {
    for (const child of children) {
      if (signal.aborted) break;
      if (!(await runs.get(child.id))) await cluster.submit(child);
    }
    const results: (Run | undefined)[] = children.map(() => undefined);
    const pending = new Set(children.map((_, i) => i));
    let cancelAsked = false;
    while (pending.size) {
      const kind = abortKind(signal);
      if (kind === 'shutdown' || kind === 'lost') break;
      if (kind === 'cancel' && !cancelAsked) {
        cancelAsked = true;
        await cluster.requestCancels([...pending].map((i) => children[i].id));
      }
      for (const i of [...pending]) {
        const run = await runs.get(children[i].id);
        if (!run || !TERMINAL_STATUSES.has(run.status)) continue;
        pending.delete(i);
        results[i] = run;
        if (!signal.aborted) await onFinished(run, i);
      }
      if (pending.size) {
        const waits = [...pending].map((i) => cluster.waitForEvents(children[i].id, 1000));
        await Promise.race(waits);
      }
    }
    return results.filter((r): r is Run => !!r);
  };
}

/**
 * The worker side: takes runs from the queue and runs them with `manager`,
 * one claim at a time per run. A run taken over from a worker that stopped
 * answering gets a hand-over event, then goes on from its last checkpoint.
 * A run this worker must leave (it stops) is given back to the queue.
 */
export async function startClusterWorker(options: {
  cluster: Cluster;
  manager: RunManager;
  jobFor: (run: Run) => JobBody;
  logger: Logger;
  slots: number;
}): Promise<void> {
  const { cluster, manager, jobFor, logger } = options;
  const handle = async (runId: string, job: Job): Promise<void> => {
    const claim = await cluster.claim(runId, job);
    if (!claim) return;
    let ended = false;
    try {
      if (claim.takeover) {
        const from = claim.previousWorker;
        await manager.appendTo(runId, {
          $case: 'handover',
          value: {
            fromWorker: from,
            toWorker: cluster.id,
            resumedAfterEpoch: claim.run.history.length,
            reason: from ? `worker ${from} stopped running it` : 'the worker running it stopped',
          },
        });
        logger.info(`run ${runId}: taken over from ${from || 'a stopped worker'}, after epoch ${claim.run.history.length}`);
      }
      const running = manager.executeStored(claim.run, jobFor(claim.run));
      if (await cluster.cancelRequested(runId)) await manager.cancel(runId).catch(() => undefined);
      const final = await running;
      ended = TERMINAL_STATUSES.has(final.status);
    } finally {
      await cluster.release(runId, ended).catch((err: unknown) => logger.warn(`run ${runId}: could not give its lease back: ${(err as Error).message}`));
    }
    if (!ended) {
      // The queue retries the job: another worker (or this one, restarted) goes on with the run.
      throw new Error(`run ${runId} was left unfinished by worker ${cluster.id}; it goes on elsewhere`);
    }
  };
  await cluster.work(
    {
      cancel: (runId) => void manager.cancel(runId).catch(() => undefined),
      lost: (runId) => {
        if (manager.abandon(runId)) logger.warn(`run ${runId}: another worker took it over; stopping it here`);
      },
      running: () => manager.runningIds(),
    },
    handle,
    options.slots,
  );
}
