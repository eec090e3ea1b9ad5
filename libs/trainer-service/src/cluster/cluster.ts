/**
 * Scaling out: trainer processes sharing one PostgreSQL database. The database
 * is the registry and, through graphile-worker, the job queue. Each process
 * announces itself with heartbeats; runs are jobs any worker can take; a
 * worker that stops answering loses its runs' leases and another worker goes
 * on from their last checkpoints. Notifications (LISTEN/NOTIFY) carry new
 * events, progress and cancels between processes within milliseconds; polls
 * back them up so that nothing depends on a notification arriving.
 */
import { Run, RunEvent, RunKind, RunStatus, Worker, WorkerRole, WorkerState } from '@advlab/contract';
import { ADVLAB_VERSION, failedPrecondition, notFound, type Logger } from '@advlab/grpc-server';
import { pgTransaction, runRecordJson, TERMINAL_STATUSES, type PostgresDatabase, type Registry } from '@advlab/registry';
import { Logger as QueueLogger, makeWorkerUtils, run as runQueue, type Job, type Runner, type WorkerUtils } from 'graphile-worker';
import { Client, type Pool } from 'pg';
import { byRoleThenStart, type WorkerDirectory, type WorkerIdentity } from './workers';

/** Queue task of runs that train (trainings, sweep trials, a study's trainings): one per worker slot. */
export const TRAIN_TASK = 'advlab_train';
/** Queue task of runs that mostly wait for their children (sweeps, studies). */
export const COORDINATE_TASK = 'advlab_coordinate';

/** Advisory lock held while the queue's schema is installed or upgraded ("advlab" in ASCII). */
const QUEUE_MIGRATION_LOCK = 0x6164766c6162;
const EVENTS_CHANNEL = 'advlab_events';
const PROGRESS_CHANNEL = 'advlab_progress';
const CANCELS_CHANNEL = 'advlab_cancels';

/** The queue task of a run. */
export function taskOf(run: Pick<Run, 'kind'>): string {
  return run.kind === RunKind.RUN_KIND_SWEEP || run.kind === RunKind.RUN_KIND_STUDY ? COORDINATE_TASK : TRAIN_TASK;
}

export interface ClusterOptions {
  /** The PostgreSQL URL (for the notification connection). */
  databaseUrl: string;
  registry: Registry;
  identity: WorkerIdentity;
  logger: Logger;
  /** A worker with no heartbeat for this long is lost and its runs go to other workers. Default 10 s. */
  leaseMs?: number;
  /** Heartbeat interval. Default a fifth of the lease. */
  heartbeatMs?: number;
}

/** What a worker does when the cluster tells it something about a run it executes. */
export interface RunSignals {
  /** A cancel was asked for (through any api). */
  cancel(runId: string): void;
  /** Another worker holds the run's lease now: stop writing it. */
  lost(runId: string): void;
  /** The runs this process executes now. */
  running(): string[];
}

/** A claimed run: its record, and who ran it before (a take-over) if anyone. */
export interface Claim {
  run: Run;
  previousWorker: string;
  takeover: boolean;
}

const now = () => Date.now();

/**
 * This process's membership in a scaled-out trainer: heartbeats, the worker
 * directory, the queue, leases, cancels and notifications.
 */
export class Cluster implements WorkerDirectory {
  readonly pool: Pool;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private utils!: WorkerUtils;
  private listener: Client | undefined;
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly progress = new Map<string, Set<(event: RunEvent) => void>>();
  private signals: RunSignals | undefined;
  private runners: Runner[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private queuedRuns = 0;
  /** When this process's last heartbeat failed (the database unreachable), or 0. */
  private lastFailureAt = 0;

  private constructor(private readonly options: ClusterOptions) {
    const db = options.registry.db as PostgresDatabase;
    if (db.kind !== 'postgres') throw new Error('scaling out needs the registry on PostgreSQL (ADVLAB_DATABASE_URL)');
    this.pool = db.pool;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(200, Math.floor(this.leaseMs / 5));
  }

  /** Joins: the queue's schema, this process's worker row, heartbeats, the reaper and the notification connection. */
  static async join(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    cluster.utils = await makeWorkerUtils({ pgPool: cluster.pool, logger: cluster.queueLogger() });
    // Processes starting together would race to create the queue's schema: one at a time.
    const client = await cluster.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [QUEUE_MIGRATION_LOCK]);
      await cluster.utils.migrate();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [QUEUE_MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
    await cluster.register();
    await cluster.listen();
    cluster.timers.push(setInterval(() => void cluster.tick(), cluster.heartbeatMs));
    for (const t of cluster.timers) t.unref();
    return cluster;
  }

  get id(): string {
    return this.options.identity.id;
  }

  /** Runs waiting in the queue, as of the last heartbeat. */
  queuedCount(): number {
    return this.queuedRuns;
  }

  // ---------------------------------------------------------------- workers

  private async register(): Promise<void> {
    const w = this.options.identity;
    await this.pool.query(
      `INSERT INTO workers (id, role, state, host, pid, backend, threads, slots, version, started_at, heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
      [w.id, w.role, WorkerState.WORKER_STATE_ALIVE, w.host, w.pid, w.backend, w.threads, w.slots, ADVLAB_VERSION, now()],
    );
  }

  /** One heartbeat: announce, then act on what the database says about this worker's runs, then look for lost workers. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const running = this.signals?.running() ?? [];
      await this.pool.query(`UPDATE workers SET heartbeat_at = $2, run_ids = $3, state = $4 WHERE id = $1`, [
        this.id,
        now(),
        running,
        WorkerState.WORKER_STATE_ALIVE,
      ]);
      if (running.length && this.signals) {
        const { rows } = await this.pool.query<{ id: string; owner: string | null; cancel: boolean }>(
          `SELECT r.id, l.worker_id AS owner, (c.run_id IS NOT NULL) AS cancel
             FROM unnest($1::text[]) AS r(id)
             LEFT JOIN run_leases l ON l.run_id = r.id
             LEFT JOIN run_cancels c ON c.run_id = r.id`,
          [running],
        );
        for (const row of rows) {
          if (row.owner && row.owner !== this.id) this.signals.lost(row.id);
          else if (row.cancel) this.signals.cancel(row.id);
        }
      }
      // After an outage every heartbeat is old: judge others only once this process has been
      // back for a whole lease, so that workers that were merely cut off are not taken for dead.
      if (now() - this.lastFailureAt > this.leaseMs) await this.reap();
      const queued = await this.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM runs WHERE status = $1`, [RunStatus.RUN_STATUS_QUEUED]);
      this.queuedRuns = Number(queued.rows[0]?.n ?? 0);
    } catch (err) {
      if (!this.lastFailureAt || now() - this.lastFailureAt > this.leaseMs) {
        this.options.logger.warn(`cluster heartbeat failed (retrying): ${(err as Error).message}`);
      }
      this.lastFailureAt = now();
    }
  }

  /**
   * Marks workers whose heartbeat is older than the lease as lost, and frees
   * their runs' jobs so that other workers take them (and resume them).
   */
  private async reap(): Promise<void> {
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE workers SET state = $1 WHERE state = $2 AND heartbeat_at < $3 AND id <> $4 RETURNING id`,
      [WorkerState.WORKER_STATE_LOST, WorkerState.WORKER_STATE_ALIVE, now() - this.leaseMs, this.id],
    );
    if (!rows.length) return;
    const lost = rows.map((r) => r.id);
    const leases = await this.pool.query<{ queue_worker: string; run_id: string }>(
      `SELECT queue_worker, run_id FROM run_leases WHERE worker_id = ANY($1::text[])`,
      [lost],
    );
    const queueWorkers = [...new Set(leases.rows.map((r) => r.queue_worker))];
    if (queueWorkers.length) await this.utils.forceUnlockWorkers(queueWorkers);
    this.options.logger.warn(
      `worker${lost.length === 1 ? '' : 's'} ${lost.join(', ')} stopped sending heartbeats; ${leases.rowCount} run(s) go to other workers`,
    );
  }

  /** The trainer processes sharing the database (`ListWorkers`). */
  async list(includeStopped: boolean): Promise<Worker[]> {
    const { rows } = await this.pool.query<{
      id: string;
      role: number;
      state: number;
      host: string;
      pid: number;
      backend: string;
      threads: number;
      slots: number;
      version: string;
      run_ids: string[];
      started_at: string;
      heartbeat_at: string;
      stopped_at: string | null;
    }>(
      `SELECT * FROM workers WHERE state = $1 OR ($2 AND COALESCE(stopped_at, heartbeat_at) > $3)`,
      [WorkerState.WORKER_STATE_ALIVE, includeStopped, now() - 3_600_000],
    );
    const stale = now() - this.leaseMs;
    return rows
      .map((r) =>
        Worker.fromPartial({
          id: r.id,
          role: r.role,
          // A worker whose heartbeats stopped is lost even before a reaper has marked it.
          state: r.state === WorkerState.WORKER_STATE_ALIVE && Number(r.heartbeat_at) < stale ? WorkerState.WORKER_STATE_LOST : r.state,
          host: r.host,
          pid: r.pid,
          backend: r.backend,
          threads: r.threads,
          slots: r.slots,
          version: r.version,
          runIds: r.state === WorkerState.WORKER_STATE_ALIVE ? r.run_ids : [],
          startedAt: new Date(Number(r.started_at)),
          heartbeatAt: new Date(Number(r.heartbeat_at)),
        }),
      )
      .sort(byRoleThenStart);
  }

  // ---------------------------------------------------------------- runs

  /** Stores a new run as queued (its created and queued events) and puts its job in the queue. */
  async submit(run: Run): Promise<Run> {
    if (this.stopped) throw failedPrecondition('the trainer is shutting down; submit the run again once it is back');
    const runs = this.options.registry.runs;
    run.status = RunStatus.RUN_STATUS_QUEUED;
    run.createdAt ??= new Date();
    await runs.insert(run);
    const created: RunEvent = { runId: run.id, sequence: 1, time: new Date(), event: { $case: 'created', value: { run: { ...run } } } };
    const queued: RunEvent = { runId: run.id, sequence: 2, time: new Date(), event: { $case: 'status', value: { status: RunStatus.RUN_STATUS_QUEUED, queuePosition: this.queuedRuns, worker: '' } } };
    await runs.appendEvent(created);
    await runs.appendEvent(queued);
    try {
      await this.utils.addJob(taskOf(run), { runId: run.id }, { jobKey: run.id, maxAttempts: 1000 });
    } catch (err) {
      run.status = RunStatus.RUN_STATUS_FAILED;
      run.error = `could not queue the run: ${(err as Error).message}`;
      run.finishedAt = new Date();
      await runs.update(run).catch(() => undefined);
      throw err;
    }
    await this.notifyStored(run.id);
    return run;
  }

  /**
   * Cancels a run from any process: a queued one at once (its job removed), a
   * running one through its worker within a heartbeat (at once when the
   * notification arrives). NOT_FOUND for an unknown id, FAILED_PRECONDITION
   * for a finished run.
   */
  async cancel(runId: string): Promise<Run> {
    const outcome = await pgTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ status: number }>(`SELECT status FROM runs WHERE id = $1 FOR UPDATE`, [runId]);
      const row = rows[0];
      if (!row) throw notFound(`run "${runId}" not found`);
      if (TERMINAL_STATUSES.has(row.status)) throw failedPrecondition(`run "${runId}" has already ended (${RunStatus[row.status]})`);
      if (row.status === RunStatus.RUN_STATUS_QUEUED) {
        // Under the row lock no worker can claim it: it ends here, record and event together.
        const { rows: records } = await client.query<{ record: unknown }>(`SELECT record FROM runs WHERE id = $1`, [runId]);
        const run = Run.fromJSON(records[0]?.record);
        run.status = RunStatus.RUN_STATUS_CANCELLED;
        run.finishedAt = new Date();
        await client.query(`UPDATE runs SET status = $2, record = $3, updated_at = $4 WHERE id = $1`, [
          runId,
          run.status,
          runRecordJson(run),
          now(),
        ]);
        const last = await client.query<{ s: string | null }>(`SELECT MAX(sequence) AS s FROM run_events WHERE run_id = $1`, [runId]);
        const sequence = Number(last.rows[0]?.s ?? 0) + 1;
        const event: RunEvent = { runId, sequence, time: new Date(), event: { $case: 'cancelled', value: { epochsCompleted: 0 } } };
        await client.query(`INSERT INTO run_events (run_id, sequence, kind, event) VALUES ($1, $2, 'cancelled', $3)`, [
          runId,
          sequence,
          Buffer.from(RunEvent.encode(event).finish()),
        ]);
        await client.query(`SELECT graphile_worker.remove_job($1)`, [runId]);
        return 'queued' as const;
      }
      await client.query(`INSERT INTO run_cancels (run_id, requested_at) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING`, [runId, now()]);
      await client.query(`SELECT pg_notify($1, $2)`, [CANCELS_CHANNEL, runId]);
      return 'running' as const;
    });
    if (outcome === 'queued') await this.notifyStored(runId);
    return this.get(runId);
  }

  /** The run with its history; NOT_FOUND when unknown. */
  async get(runId: string): Promise<Run> {
    const run = await this.options.registry.runs.get(runId);
    if (!run) throw notFound(`run "${runId}" not found`);
    return run;
  }

  /**
   * A worker takes a run it pulled from the queue: under the run's row lock,
   * unless it has ended, the run is marked running and its lease is this
   * worker's. Undefined when there is nothing to run.
   */
  async claim(runId: string, job: Job): Promise<Claim | undefined> {
    const previous = await pgTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ status: number }>(`SELECT status FROM runs WHERE id = $1 FOR UPDATE`, [runId]);
      if (!rows[0] || TERMINAL_STATUSES.has(rows[0].status)) return undefined;
      const lease = await client.query<{ worker_id: string }>(`SELECT worker_id FROM run_leases WHERE run_id = $1`, [runId]);
      await client.query(`UPDATE runs SET status = $2 WHERE id = $1`, [runId, RunStatus.RUN_STATUS_RUNNING]);
      await client.query(
        `INSERT INTO run_leases (run_id, worker_id, queue_worker, acquired_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (run_id) DO UPDATE SET worker_id = excluded.worker_id, queue_worker = excluded.queue_worker, acquired_at = excluded.acquired_at`,
        [runId, this.id, job.locked_by ?? '', now()],
      );
      return { worker: lease.rows[0]?.worker_id ?? '', wasRunning: rows[0].status === RunStatus.RUN_STATUS_RUNNING };
    });
    if (!previous) return undefined;
    const run = await this.options.registry.runs.get(runId);
    if (!run) return undefined;
    return { run, previousWorker: previous.worker, takeover: previous.wasRunning || (!!previous.worker && previous.worker !== this.id) };
  }

  /** Gives a run's lease back: it ended, or this worker stops and another goes on with it. */
  async release(runId: string, ended: boolean): Promise<void> {
    await this.pool.query(`DELETE FROM run_leases WHERE run_id = $1 AND worker_id = $2`, [runId, this.id]);
    if (ended) await this.pool.query(`DELETE FROM run_cancels WHERE run_id = $1`, [runId]);
  }

  /** Whether a cancel was asked for the run. */
  async cancelRequested(runId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM run_cancels WHERE run_id = $1`, [runId]);
    return (rowCount ?? 0) > 0;
  }

  /** Asks for cancels of runs, without waiting (a cancelled sweep's trials). */
  async requestCancels(runIds: string[]): Promise<void> {
    for (const id of runIds) await this.cancel(id).catch(() => undefined);
  }

  // ---------------------------------------------------------------- queue runners

  /**
   * Starts pulling jobs: `slots` training jobs at once and a few coordinating
   * ones (they mostly wait for their children, so they never hold a training slot).
   */
  async work(signals: RunSignals, handle: (runId: string, job: Job) => Promise<void>, slots: number): Promise<void> {
    this.signals = signals;
    const task = async (payload: unknown, helpers: { job: Job }) => {
      const runId = (payload as { runId?: unknown })?.runId;
      if (typeof runId !== 'string') return;
      await handle(runId, helpers.job);
    };
    const common = { pgPool: this.pool, noHandleSignals: true, pollInterval: 1000, logger: this.queueLogger() };
    this.runners.push(await runQueue({ ...common, concurrency: slots, taskList: { [TRAIN_TASK]: task } }));
    this.runners.push(await runQueue({ ...common, concurrency: 4, taskList: { [COORDINATE_TASK]: task } }));
  }

  // ---------------------------------------------------------------- notifications

  /** Tells every process that a run has new stored events. */
  async notifyStored(runId: string): Promise<void> {
    await this.pool.query(`SELECT pg_notify($1, $2)`, [EVENTS_CHANNEL, runId]).catch(() => undefined);
  }

  /** Relays a batch-progress event (not stored) to the processes watching the run. */
  notifyProgress(event: RunEvent): void {
    const payload = `${event.runId} ${Buffer.from(RunEvent.encode(event).finish()).toString('base64')}`;
    if (payload.length > 7900) return;
    void this.pool.query(`SELECT pg_notify($1, $2)`, [PROGRESS_CHANNEL, payload]).catch(() => undefined);
  }

  /** Resolves when the run may have new stored events, after `ms` at most, or when `signal` aborts. */
  waitForEvents(runId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.wakers.get(runId) ?? new Set();
      this.wakers.set(runId, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (!set.size) this.wakers.delete(runId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Calls `fn` with each batch-progress event of a run relayed from its worker; returns the unsubscribe. */
  onProgress(runId: string, fn: (event: RunEvent) => void): () => void {
    const set = this.progress.get(runId) ?? new Set();
    this.progress.set(runId, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size) this.progress.delete(runId);
    };
  }

  private wake(runId: string): void {
    for (const fn of [...(this.wakers.get(runId) ?? [])]) fn();
  }

  /** The notification connection: reconnects with back-off when the database goes away. */
  private async listen(): Promise<void> {
    let delay = 250;
    const connect = async (): Promise<void> => {
      const client = new Client({ connectionString: this.options.databaseUrl, application_name: 'advlab-listen' });
      client.on('error', () => undefined);
      client.on('notification', (msg) => this.onNotification(msg.channel, msg.payload ?? ''));
      client.on('end', () => {
        if (this.stopped || this.listener !== client) return;
        this.listener = undefined;
        this.options.logger.warn('cluster: lost the notification connection; reconnecting');
        const retry = () => {
          if (this.stopped) return;
          connect().catch(() => {
            delay = Math.min(delay * 2, 5_000);
            setTimeout(retry, delay).unref();
          });
        };
        setTimeout(retry, delay).unref();
      });
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}; LISTEN ${PROGRESS_CHANNEL}; LISTEN ${CANCELS_CHANNEL}`);
      this.listener = client;
      delay = 250;
      // Whatever happened while the connection was down: watchers and workers look again.
      for (const runId of [...this.wakers.keys()]) this.wake(runId);
    };
    await connect();
  }

  private onNotification(channel: string, payload: string): void {
    if (channel === EVENTS_CHANNEL) {
      this.wake(payload);
    } else if (channel === PROGRESS_CHANNEL) {
      const space = payload.indexOf(' ');
      const runId = payload.slice(0, space);
      const listeners = this.progress.get(runId);
      if (!listeners?.size) return;
      try {
        const event = RunEvent.decode(Buffer.from(payload.slice(space + 1), 'base64'));
        for (const fn of listeners) fn(event);
      } catch {
        // A malformed payload is progress lost, nothing more.
      }
    } else if (channel === CANCELS_CHANNEL) {
      if (this.signals?.running().includes(payload)) this.signals.cancel(payload);
    }
  }

  // ---------------------------------------------------------------- leaving

  private pullingStopped: Promise<void> | undefined;

  /**
   * Takes no more jobs from the queue; resolves once the jobs taken have
   * returned (stop the runs they run first, or this waits for them to end).
   */
  stopPulling(): Promise<void> {
    this.pullingStopped ??= Promise.all(this.runners.map((r) => r.stop().catch(() => undefined))).then(() => undefined);
    return this.pullingStopped;
  }

  /**
   * Leaves: stops pulling jobs (after the running ones return: the caller
   * stops those first), gives back leases, marks this worker stopped.
   */
  async leave(): Promise<void> {
    if (this.stopped) return;
    for (const t of this.timers) clearInterval(t);
    await this.stopPulling();
    this.stopped = true;
    await this.pool
      .query(`UPDATE workers SET state = $2, stopped_at = $3, run_ids = '{}' WHERE id = $1`, [this.id, WorkerState.WORKER_STATE_STOPPED, now()])
      .catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await Promise.resolve(this.utils.release()).catch(() => undefined);
    for (const runId of [...this.wakers.keys()]) this.wake(runId);
  }

  private queueLogger(): QueueLogger {
    const log = this.options.logger;
    return new QueueLogger(() => (level, message) => {
      if (level === 'error') log.error(`queue: ${message}`);
      else if (level === 'warning') log.warn(`queue: ${message}`);
    });
  }
}

/** Whether a role trains (worker, all) and whether it serves the API (api, all). */
export function roleTrains(role: WorkerRole): boolean {
  return role === WorkerRole.WORKER_ROLE_WORKER || role === WorkerRole.WORKER_ROLE_ALL;
}
