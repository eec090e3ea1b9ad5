import { Run, RunEvent, RunStatus, type Model } from '@advlab/contract';
import { failedPrecondition, notFound, PushStream, resourceExhausted, type Logger } from '@advlab/grpc-server';
import { TERMINAL_STATUSES, type RunStore } from '@advlab/registry';

/** The payload of a run event (the oneof). */
export type RunEventBody = NonNullable<RunEvent['event']>;

/** What a job gets to report and to stop. */
export interface JobContext {
  /** The run record; mutate it through `update`. */
  readonly run: Run;
  /** Aborted by CancelRun or service shutdown: stop at the next batch. */
  readonly signal: AbortSignal;
  /** Records and broadcasts an event. Batch progress is throttled and not stored. */
  emit(event: RunEventBody): void;
  /** Saves changes to the run record (bests, backend, model id...), in order with the run's events. */
  update(patch: Partial<Run>): void;
  /**
   * Runs child runs (sweep trials, a study's trainings) with the jobs their
   * records call for, calling `onFinished` with each final record as it ends
   * (with its index in `children`): on one machine one after another inside
   * this run's slot; scaled out, each as its own job on any free worker.
   * Children this run already has (a run taken over after a crash) are
   * followed, not started again. Cancelling this run cancels them.
   */
  runChildren(children: Run[], onFinished?: (child: Run, index: number) => Promise<void> | void): Promise<Run[]>;
}

/**
 * Why a job's signal was aborted: a cancel (the run ends), or a stop of this
 * process or a take-over by another worker (the run goes on elsewhere, so its
 * checkpoints must be kept). Undefined while it is not aborted.
 */
export function abortKind(signal: AbortSignal): 'cancel' | 'shutdown' | 'lost' | undefined {
  if (!signal.aborted) return undefined;
  const kind = (signal.reason as { abortKind?: unknown } | undefined)?.abortKind;
  return kind === 'shutdown' || kind === 'lost' ? kind : 'cancel';
}

/**
 * How the handlers queue, read, cancel and watch runs: in this process
 * (`RunManager`), or through PostgreSQL for workers anywhere (`ClusterDispatcher`).
 */
export interface RunDispatcher {
  /** Registers `run` as queued and schedules its job (`body` here, or the job its record calls for on a worker). */
  submit(run: Run, body: JobBody, options?: { resumable?: boolean }): Promise<Run>;
  /** The run with its history; NOT_FOUND when unknown. */
  get(runId: string): Promise<Run>;
  /** NOT_FOUND for an unknown id, FAILED_PRECONDITION for a finished run. */
  cancel(runId: string): Promise<Run>;
  /** The stored log after `afterSequence`, then live events until the run ends. */
  watch(runId: string, afterSequence: number, signal: AbortSignal): AsyncGenerator<RunEvent>;
}

/** A job's successful result. */
export interface JobResult {
  /** The stored model the run produced, if any. */
  model?: Model;
}

/** The work of one run. Throwing fails the run; returning after `signal` aborted cancels it. */
export type JobBody = (ctx: JobContext) => Promise<JobResult>;

export interface RunManagerOptions {
  /** Jobs running at once; the rest queue. Default 1. */
  concurrency?: number;
  /** Jobs waiting; a submission past it is refused with RESOURCE_EXHAUSTED. Default 32. */
  maxQueued?: number;
  /** Minimum interval between broadcast batch-progress events. Default 250 ms. */
  batchEventIntervalMs?: number;
  /** The job of a child run from its record (see `JobContext.runChildren`). */
  jobFor?: (run: Run) => JobBody;
  /** Runs children elsewhere (scaled out) instead of inline; resolves with their final records. */
  childRunner?: ChildRunner;
  /** The id of this process, recorded on the runs it executes (`Run.worker`). */
  workerId?: string;
  /** Called with each event once it is stored (scaled out: to wake watchers in other processes). */
  onStored?: (event: RunEvent) => void;
  /** Called with each batch-progress event (not stored; scaled out: relayed to other processes). */
  onProgress?: (event: RunEvent) => void;
  logger?: Logger;
}

/** How a run's children run when not inline: submitted as jobs of their own and followed to their end. */
export type ChildRunner = (
  children: Run[],
  signal: AbortSignal,
  onFinished: (child: Run, index: number) => Promise<void> | void,
) => Promise<Run[]>;

interface ActiveRun {
  run: Run;
  body: JobBody;
  /** A service stop leaves the run as it is, to be resumed when the service starts again. */
  resumable: boolean;
  controller: AbortController;
  /** Why the job's signal was aborted: a cancel, a service stop, or the run taken over by another worker. */
  abortReason?: 'cancel' | 'shutdown' | 'lost';
  lastBatchEventAt: number;
  epochsCompleted: number;
}

const TERMINAL_EVENTS: ReadonlySet<RunEventBody['$case']> = new Set(['finished', 'failed', 'cancelled', 'interrupted']);

/**
 * Runs jobs one at a time (or `concurrency` at a time) in submission order,
 * records every run's life in the registry as events, and lets any number of
 * clients watch a run: replay from the log, then live events until it ends.
 * A job keeps running when its clients disconnect.
 */
export class RunManager implements RunDispatcher {
  private readonly active = new Map<string, ActiveRun>();
  private readonly queue: ActiveRun[] = [];
  private readonly watchers = new Map<string, Set<PushStream<RunEvent>>>();
  private readonly sequences = new Map<string, number>();
  /** Each run's writes (record updates and events), chained so they land in the order they were made. */
  private readonly writes = new Map<string, Promise<void>>();
  private running = 0;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly batchIntervalMs: number;
  private readonly logger: Logger;
  private readonly jobFor?: (run: Run) => JobBody;
  private readonly childRunner?: ChildRunner;
  private readonly onStored?: (event: RunEvent) => void;
  private readonly workerId: string;
  private readonly onProgress?: (event: RunEvent) => void;
  private readonly idle = new Set<() => void>();
  private stopping = false;

  constructor(
    private readonly runs: RunStore,
    options: RunManagerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.maxQueued = options.maxQueued ?? 32;
    this.batchIntervalMs = options.batchEventIntervalMs ?? 250;
    this.logger = options.logger ?? console;
    this.jobFor = options.jobFor;
    this.childRunner = options.childRunner;
    this.onStored = options.onStored;
    this.workerId = options.workerId ?? '';
    this.onProgress = options.onProgress;
  }


  /**
   * After a restart: runs left queued or running by a stopped service are
   * marked INTERRUPTED with a final event, except those `resume` gives a job
   * for (studies), which are queued again to go on where they were. Returns
   * how many were interrupted and how many resumed.
   */
  async recoverInterrupted(
    resume: (run: Run) => JobBody | undefined = () => undefined,
  ): Promise<{ interrupted: number; resumed: number }> {
    const ids = await this.runs.idsWithStatus([RunStatus.RUN_STATUS_QUEUED, RunStatus.RUN_STATUS_RUNNING]);
    let resumed = 0;
    for (const id of ids) {
      const run = await this.runs.get(id);
      if (!run) continue;
      this.sequences.set(id, await this.runs.lastSequence(id));
      const body = resume(run);
      if (body) {
        this.requeue(run, body);
        resumed++;
        continue;
      }
      const wasRunning = run.status === RunStatus.RUN_STATUS_RUNNING;
      await this.finish(run, {
        $case: 'interrupted',
        value: {
          epochsCompleted: run.history.length,
          reason: wasRunning ? 'the service stopped while this run was running' : 'the service stopped while this run was queued',
        },
      });
    }
    return { interrupted: ids.length - resumed, resumed };
  }

  /** Queues a stored, unfinished run again (a resumed study), keeping its record and event log. */
  private requeue(run: Run, body: JobBody): void {
    run.status = RunStatus.RUN_STATUS_QUEUED;
    this.save(run);
    const entry: ActiveRun = { run, body, resumable: true, controller: new AbortController(), lastBatchEventAt: 0, epochsCompleted: 0 };
    this.active.set(run.id, entry);
    this.queue.push(entry);
    this.record(run.id, { $case: 'status', value: { status: RunStatus.RUN_STATUS_QUEUED, queuePosition: this.queue.length - 1 + this.running, worker: '' } });
    queueMicrotask(() => this.pump());
  }

  /**
   * Registers `run` as queued, records its creation, and schedules `body`. A
   * `resumable` run is left unfinished by a service stop (see `recoverInterrupted`).
   */
  async submit(run: Run, body: JobBody, options: { resumable?: boolean } = {}): Promise<Run> {
    if (this.stopping) throw failedPrecondition('the trainer is shutting down; submit the run again once it is back');
    if (this.queue.length >= this.maxQueued) {
      throw resourceExhausted(
        `the run queue is full: ${this.queue.length} run${this.queue.length === 1 ? '' : 's'} waiting and ${this.running} running (at most ${this.maxQueued} wait); cancel some or try again when one ends`,
      );
    }
    const entry = await this.register(run, body);
    entry.resumable = options.resumable ?? false;
    this.queue.push(entry);
    this.record(run.id, { $case: 'status', value: { status: RunStatus.RUN_STATUS_QUEUED, queuePosition: this.queue.length - 1 + this.running, worker: '' } });
    queueMicrotask(() => this.pump());
    return run;
  }

  /**
   * Runs a stored, unfinished run now, in the caller's flow (a worker that
   * took the run's job from the queue): its log goes on after its last event.
   * The run is resumable: a stop leaves it unfinished for another worker.
   * Resolves with the run's record once the job returns.
   */
  async executeStored(run: Run, body: JobBody): Promise<Run> {
    if (this.stopping) throw failedPrecondition('the trainer is shutting down');
    this.sequences.set(run.id, await this.runs.lastSequence(run.id));
    const entry: ActiveRun = { run, body, resumable: true, controller: new AbortController(), lastBatchEventAt: 0, epochsCompleted: 0 };
    this.active.set(run.id, entry);
    this.running++;
    try {
      await this.execute(entry);
    } finally {
      this.running--;
    }
    await this.flushed(run.id);
    return (await this.runs.get(run.id)) ?? run;
  }

  /**
   * Stops a run here without ending it: another worker has taken it over.
   * Nothing more is written for it by this process. Returns whether it ran here.
   */
  abandon(runId: string): boolean {
    const entry = this.active.get(runId);
    if (!entry) return false;
    this.abort(entry, 'lost');
    return true;
  }

  /** Appends an event to a stored run that this process is not running (a hand-over, before it runs here). */
  async appendTo(runId: string, body: RunEventBody): Promise<void> {
    if (!this.sequences.has(runId)) this.sequences.set(runId, await this.runs.lastSequence(runId));
    this.record(runId, body);
    await this.flushed(runId);
  }

  /**
   * Runs `body` as a child run right now, inside the caller's slot (sweep
   * trials), with its own record and event log. Resolves with the child's
   * final record.
   */
  async runInline(run: Run, body: JobBody, parentSignal: AbortSignal): Promise<Run> {
    const entry = await this.register(run, body);
    const onParentAbort = () => this.abort(entry, 'cancel');
    parentSignal.addEventListener('abort', onParentAbort, { once: true });
    if (parentSignal.aborted) onParentAbort();
    try {
      await this.execute(entry);
    } finally {
      parentSignal.removeEventListener('abort', onParentAbort);
    }
    return (await this.runs.get(run.id)) ?? run;
  }

  /** Children of `parent`, inline one after another, or through the child runner when scaled out. */
  private async runChildren(
    parent: Run,
    children: Run[],
    signal: AbortSignal,
    onFinished: (child: Run, index: number) => Promise<void> | void,
  ): Promise<Run[]> {
    const adopted = children.map((c) => Run.fromPartial({ ...c, parentRunId: parent.id }));
    if (this.childRunner) return this.childRunner(adopted, signal, onFinished);
    const jobFor = this.jobFor;
    if (!jobFor) throw new Error('the run manager has no job catalog for child runs');
    const finished: Run[] = [];
    for (const [index, child] of adopted.entries()) {
      if (signal.aborted) break;
      const done = await this.runInline(child, jobFor(child), signal);
      finished.push(done);
      await onFinished(done, index);
    }
    return finished;
  }

  /**
   * Cancels a run: a queued one at once, a running one at its next batch.
   * NOT_FOUND for an unknown id, FAILED_PRECONDITION for a finished run.
   */
  async cancel(runId: string): Promise<Run> {
    const entry = this.active.get(runId);
    if (!entry) {
      const stored = await this.runs.get(runId);
      if (!stored) throw notFound(`run "${runId}" not found`);
      throw failedPrecondition(`run "${runId}" has already ended (${RunStatus[stored.status]})`);
    }
    const queued = this.queue.indexOf(entry);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.active.delete(runId);
      await this.finish(entry.run, { $case: 'cancelled', value: { epochsCompleted: 0 } });
      return this.get(runId);
    }
    this.abort(entry, 'cancel');
    return this.get(runId);
  }

  /** The run with its history; NOT_FOUND when unknown. */
  async get(runId: string): Promise<Run> {
    await this.flushed(runId);
    const run = await this.runs.get(runId);
    if (!run) throw notFound(`run "${runId}" not found`);
    return run;
  }

  /**
   * Events of a run after `afterSequence`: the stored log, then live events
   * until the run ends (or `signal` aborts). Batch progress is live only.
   */
  async *watch(runId: string, afterSequence: number, signal: AbortSignal): AsyncGenerator<RunEvent> {
    if (!(await this.runs.get(runId))) throw notFound(`run "${runId}" not found`);
    const live = new PushStream<RunEvent>();
    const subscribers = this.watchers.get(runId) ?? new Set();
    this.watchers.set(runId, subscribers);
    subscribers.add(live);
    const onAbort = () => live.end();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let last = afterSequence;
      // Subscribed first, then read: what was recorded before is stored once its writes land.
      await this.flushed(runId);
      for (const event of await this.runs.eventsAfter(runId, afterSequence)) {
        yield event;
        last = event.sequence;
        if (event.event && TERMINAL_EVENTS.has(event.event.$case)) return;
      }
      if (!this.active.has(runId)) return;
      for await (const event of live) {
        if (event.sequence !== 0 && event.sequence <= last) continue;
        yield event;
        if (event.sequence) last = event.sequence;
        if (event.event && TERMINAL_EVENTS.has(event.event.$case)) return;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      subscribers.delete(live);
      if (!subscribers.size) this.watchers.delete(runId);
    }
  }

  /** Runs executing now (sweep trials inside their sweep's slot not counted). */
  runningCount(): number {
    return this.running;
  }

  /** Runs waiting for a slot. */
  queuedCount(): number {
    return this.queue.length;
  }

  /** Ids of the runs executing now (sweep trials and study children included), oldest first. */
  runningIds(): string[] {
    return [...this.active.values()].filter((e) => !this.queue.includes(e)).map((e) => e.run.id);
  }

  /** Runs queued or running now. */
  activeCount(): number {
    return this.active.size;
  }

  /** Resolves when no job is queued or running. */
  whenIdle(): Promise<void> {
    if (!this.active.size) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /**
   * Stops accepting runs, aborts the running ones (they end INTERRUPTED),
   * marks the queued ones INTERRUPTED, and waits for the jobs to return.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const entry of this.queue.splice(0)) {
      this.active.delete(entry.run.id);
      if (entry.resumable) this.endWatchers(entry.run.id);
      else await this.finish(entry.run, { $case: 'interrupted', value: { epochsCompleted: 0, reason: 'the service stopped while this run was queued' } });
    }
    // Newest first: a child run (registered after its parent) ends interrupted, not cancelled by its parent.
    for (const entry of [...this.active.values()].reverse()) this.abort(entry, 'shutdown');
    await this.whenIdle();
    await Promise.all([...this.writes.values()]);
  }

  /** Ends the live streams of a run's watchers (a resumable run left for the next start). */
  private endWatchers(runId: string): void {
    for (const watcher of this.watchers.get(runId) ?? []) watcher.end();
  }

  /** Stores a new run as queued, records its creation, and tracks it as active. */
  private async register(run: Run, body: JobBody): Promise<ActiveRun> {
    run.status = RunStatus.RUN_STATUS_QUEUED;
    run.createdAt ??= new Date();
    await this.runs.insert(run);
    this.sequences.set(run.id, 0);
    this.record(run.id, { $case: 'created', value: { run: { ...run } } });
    const entry: ActiveRun = { run, body, resumable: false, controller: new AbortController(), lastBatchEventAt: 0, epochsCompleted: 0 };
    this.active.set(run.id, entry);
    return entry;
  }

  private abort(entry: ActiveRun, reason: 'cancel' | 'shutdown' | 'lost'): void {
    entry.abortReason ??= reason;
    const message = { cancel: 'cancelled', shutdown: 'service shutting down', lost: 'taken over by another worker' }[reason];
    entry.controller.abort(Object.assign(new Error(message), { abortKind: reason }));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length) {
      const entry = this.queue.shift() as ActiveRun;
      this.running++;
      // execute records its own failures; anything left (the registry failing while it does) is logged, never unhandled.
      void this.execute(entry)
        .catch((err: unknown) => this.logger.error(`run ${entry.run.id}: could not record how it ended`, err))
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  private async execute(entry: ActiveRun): Promise<void> {
    const { run } = entry;
    run.status = RunStatus.RUN_STATUS_RUNNING;
    run.startedAt ??= new Date();
    run.worker = this.workerId;
    this.save(run);
    this.record(run.id, { $case: 'status', value: { status: RunStatus.RUN_STATUS_RUNNING, queuePosition: 0, worker: this.workerId } });
    const ctx: JobContext = {
      run,
      signal: entry.controller.signal,
      emit: (event) => {
        // A run another worker took over is no longer this process's to write.
        if (entry.abortReason === 'lost') return;
        if (event.$case === 'epoch') entry.epochsCompleted = event.value.epoch;
        this.record(run.id, event, entry);
      },
      update: (patch) => {
        Object.assign(run, patch);
        if (entry.abortReason !== 'lost') this.save(run);
      },
      runChildren: (children, onFinished = () => undefined) => this.runChildren(run, children, entry.controller.signal, onFinished),
    };
    try {
      const result = await entry.body(ctx);
      if (entry.abortReason === 'cancel') {
        await this.finish(run, { $case: 'cancelled', value: { epochsCompleted: entry.epochsCompleted } });
      } else if (entry.abortReason === 'lost' || (entry.abortReason === 'shutdown' && entry.resumable)) {
        this.endWatchers(run.id);
      } else if (entry.abortReason === 'shutdown') {
        await this.finish(run, {
          $case: 'interrupted',
          value: { epochsCompleted: entry.epochsCompleted, reason: 'the service stopped while this run was running' },
        });
      } else {
        if (result.model) run.modelId = result.model.id;
        await this.finish(run, { $case: 'finished', value: { run: undefined, model: result.model } });
      }
    } catch (err) {
      if (entry.abortReason === 'lost' || (entry.abortReason === 'shutdown' && entry.resumable)) {
        // Whatever the stop broke is redone when the run resumes.
        this.endWatchers(run.id);
        return;
      }
      if (entry.abortReason === 'cancel') {
        // The job stopped by throwing (an evaluation aborted mid-way): it was still cancelled.
        await this.finish(run, { $case: 'cancelled', value: { epochsCompleted: entry.epochsCompleted } });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      if (!(err as { code?: unknown })?.code) this.logger.error(`run ${run.id} failed`, err);
      await this.finish(run, { $case: 'failed', value: { error: message } }, message);
    } finally {
      this.active.delete(run.id);
      if (!this.active.size) for (const resolve of this.idle) resolve();
      if (!this.active.size) this.idle.clear();
    }
  }

  /** Sets the final status, saves the record, and records the terminal event. */
  private async finish(run: Run, event: RunEventBody, error = ''): Promise<void> {
    run.status = {
      finished: RunStatus.RUN_STATUS_SUCCEEDED,
      failed: RunStatus.RUN_STATUS_FAILED,
      cancelled: RunStatus.RUN_STATUS_CANCELLED,
      interrupted: RunStatus.RUN_STATUS_INTERRUPTED,
    }[event.$case as 'finished' | 'failed' | 'cancelled' | 'interrupted'];
    run.finishedAt = new Date();
    if (error) run.error = error;
    this.save(run);
    await this.flushed(run.id);
    if (event.$case === 'finished') event.value.run = await this.runs.get(run.id);
    this.record(run.id, event);
    await this.flushed(run.id);
    if (!TERMINAL_STATUSES.has(run.status)) throw new Error(`run ${run.id} finished with a non-terminal status`);
  }

  /** Stores (unless batch progress) and broadcasts one event. */
  private record(runId: string, body: RunEventBody, entry?: ActiveRun): void {
    const now = Date.now();
    let sequence = 0;
    if (body.$case === 'batch') {
      if (entry && now - entry.lastBatchEventAt < this.batchIntervalMs) return;
      if (entry) entry.lastBatchEventAt = now;
    } else {
      sequence = (this.sequences.get(runId) ?? 0) + 1;
      this.sequences.set(runId, sequence);
    }
    const event: RunEvent = { runId, sequence, time: new Date(now), event: body };
    if (sequence) {
      this.write(runId, async () => {
        await this.runs.appendEvent(event);
        this.onStored?.(event);
      });
    } else {
      this.onProgress?.(event);
    }
    for (const watcher of this.watchers.get(runId) ?? []) {
      // A slow watcher keeps every stored event but only the latest progress.
      if (body.$case === 'batch') watcher.replace((e) => e.event?.$case === 'batch', event);
      else watcher.push(event);
    }
    if (body.$case !== 'batch' && TERMINAL_EVENTS.has(body.$case)) this.sequences.delete(runId);
  }

  /** Saves the run's record after the writes already made for it. */
  private save(run: Run): void {
    const snapshot = Run.fromPartial(run);
    this.write(run.id, () => this.runs.update(snapshot));
  }

  /**
   * Chains a write after the run's earlier ones. A write that fails is logged
   * and the chain goes on, so one failure never blocks the run's later writes.
   */
  private write(runId: string, op: () => Promise<void>): void {
    const previous = this.writes.get(runId) ?? Promise.resolve();
    const next = previous
      .then(op)
      .catch((err: unknown) => this.logger.error(`run ${runId}: could not store a change to it`, err));
    this.writes.set(runId, next);
    void next.then(() => {
      if (this.writes.get(runId) === next) this.writes.delete(runId);
    });
  }

  /** Resolves once every write made so far for the run has landed. */
  private async flushed(runId: string): Promise<void> {
    await this.writes.get(runId);
  }
}
