import { Run, RunEvent, RunStatus, type EpochMetrics, type SweepTrial } from '@advlab/contract';
import type { Db } from './db';
import { listPage, type Condition } from './pages';
import type { EventCase, ListRunsQuery, RunStore } from './types';

/** A run's stored record, in both databases: the run without history and trials (the event log holds those), as protobuf JSON. */
export function runRecordJson(run: Run): string {
  return JSON.stringify(Run.toJSON({ ...run, history: [], trials: [] }));
}

/** Statuses after which a run never changes again. */
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  RunStatus.RUN_STATUS_SUCCEEDED,
  RunStatus.RUN_STATUS_FAILED,
  RunStatus.RUN_STATUS_CANCELLED,
  RunStatus.RUN_STATUS_INTERRUPTED,
]);


const time = (d: Date | undefined) => (d ?? new Date()).getTime();

/**
 * Runs and their event logs in SQLite (see `RunStore`). The run row holds the record without
 * history; epochs and sweep trials are read back from the event log, which is
 * the single source of truth for what happened.
 */
export class RunRepository implements RunStore {
  constructor(private readonly db: Db) {}

  async insert(run: Run): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO runs (id, parent_run_id, kind, status, dataset_id, record, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.id, run.parentRunId || null, run.kind, run.status, run.datasetId, runRecordJson(run), time(run.createdAt), Date.now());
  }

  /** Saves the run's record (status, timestamps, bests, model id...). */
  async update(run: Run): Promise<void> {
    const info = this.db
      .prepare(`UPDATE runs SET status = ?, record = ?, updated_at = ? WHERE id = ?`)
      .run(run.status, runRecordJson(run), Date.now(), run.id);
    if (info.changes !== 1) throw new Error(`run ${run.id} is not in the registry`);
  }

  /** The run with its history and trials, or undefined. */
  async get(id: string): Promise<Run | undefined> {
    const row = this.db.prepare(`SELECT record FROM runs WHERE id = ?`).get(id) as { record: string } | undefined;
    if (!row) return undefined;
    const run = Run.fromJSON(JSON.parse(row.record));
    run.history = this.eventsOfSync(id, 'epoch').map((e) => (e.event as { value: EpochMetrics }).value);
    run.trials = this.eventsOfSync(id, 'trial').map((e) => (e.event as { value: SweepTrial }).value);
    return run;
  }

  async list(query: ListRunsQuery): Promise<{ runs: Run[]; nextPageToken: string }> {
    const conditions: Condition[] = [];
    if (query.status) conditions.push(['status = ?', query.status]);
    if (query.kind) conditions.push(['kind = ?', query.kind]);
    if (query.datasetId) conditions.push(['dataset_id = ?', query.datasetId]);
    if (!query.includeTrials) conditions.push(['parent_run_id IS NULL']);
    const { items, nextPageToken } = listPage(this.db, 'runs', conditions, query, (r) => Run.fromJSON(r));
    return { runs: items, nextPageToken };
  }

  /** Ids of runs in the given statuses. */
  async idsWithStatus(statuses: RunStatus[]): Promise<string[]> {
    const marks = statuses.map(() => '?').join(',');
    return (this.db.prepare(`SELECT id FROM runs WHERE status IN (${marks}) ORDER BY created_at`).all(...statuses) as { id: string }[]).map(
      (r) => r.id,
    );
  }

  /** Appends an event; its sequence must be the next one of the run. */
  async appendEvent(event: RunEvent): Promise<void> {
    this.db
      .prepare(`INSERT INTO run_events (run_id, sequence, kind, event) VALUES (?, ?, ?, ?)`)
      .run(event.runId, event.sequence, event.event?.$case ?? 'unknown', Buffer.from(RunEvent.encode(event).finish()));
  }

  /** Events of a run after `afterSequence`, in order. */
  async eventsAfter(runId: string, afterSequence: number): Promise<RunEvent[]> {
    return (
      this.db.prepare(`SELECT event FROM run_events WHERE run_id = ? AND sequence > ? ORDER BY sequence`).all(runId, afterSequence) as {
        event: Buffer;
      }[]
    ).map((r) => RunEvent.decode(r.event));
  }

  /** Highest stored sequence of a run (0 when none). */
  async lastSequence(runId: string): Promise<number> {
    const row = this.db.prepare(`SELECT MAX(sequence) AS s FROM run_events WHERE run_id = ?`).get(runId) as { s: number | null };
    return row.s ?? 0;
  }

  /** Stored events of one kind, in order (epochs, trials, study stages). */
  async eventsOf(runId: string, kind: EventCase): Promise<RunEvent[]> {
    return this.eventsOfSync(runId, kind);
  }

  private eventsOfSync(runId: string, kind: EventCase): RunEvent[] {
    return (
      this.db.prepare(`SELECT event FROM run_events WHERE run_id = ? AND kind = ? ORDER BY sequence`).all(runId, kind) as { event: Buffer }[]
    ).map((r) => RunEvent.decode(r.event));
  }
}
