import { Run, RunEvent, type EpochMetrics, type RunStatus, type SweepTrial } from '@advlab/contract';
import type { Pool } from 'pg';
import type { Condition } from '../pages';
import { runRecordJson } from '../runs';
import type { EventCase, ListRunsQuery, RunStore } from '../types';
import { listPage } from './pages';
import { withRetry, type RetryOptions } from './pool';

const time = (d: Date | undefined) => (d ?? new Date()).getTime();


const decodeEvents = (rows: { event: Buffer }[]) => rows.map((r) => RunEvent.decode(r.event));

/** Runs and their event logs in PostgreSQL; the same behaviour as the SQLite `RunRepository`. */
export class PgRunStore implements RunStore {
  constructor(
    private readonly pool: Pool,
    private readonly retry: RetryOptions = {},
  ) {}

  async insert(run: Run): Promise<void> {
    await this.pool.query(
      `INSERT INTO runs (id, parent_run_id, kind, status, dataset_id, record, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [run.id, run.parentRunId || null, run.kind, run.status, run.datasetId, runRecordJson(run), time(run.createdAt), Date.now()],
    );
  }

  async update(run: Run): Promise<void> {
    const result = await this.pool.query(`UPDATE runs SET status = $1, record = $2, updated_at = $3 WHERE id = $4`, [
      run.status,
      runRecordJson(run),
      Date.now(),
      run.id,
    ]);
    if (result.rowCount !== 1) throw new Error(`run ${run.id} is not in the registry`);
  }

  async get(id: string): Promise<Run | undefined> {
    return this.read(async () => {
      const { rows } = await this.pool.query<{ record: unknown }>(`SELECT record FROM runs WHERE id = $1`, [id]);
      if (!rows[0]) return undefined;
      const run = Run.fromJSON(rows[0].record);
      const events = await this.pool.query<{ kind: string; event: Buffer }>(
        `SELECT kind, event FROM run_events WHERE run_id = $1 AND kind IN ('epoch', 'trial') ORDER BY sequence`,
        [id],
      );
      run.history = [];
      run.trials = [];
      for (const row of events.rows) {
        const event = RunEvent.decode(row.event).event;
        if (event?.$case === 'epoch') run.history.push(event.value as EpochMetrics);
        else if (event?.$case === 'trial') run.trials.push(event.value as SweepTrial);
      }
      return run;
    });
  }

  async list(query: ListRunsQuery): Promise<{ runs: Run[]; nextPageToken: string }> {
    const conditions: Condition[] = [];
    if (query.status) conditions.push(['status = ?', query.status]);
    if (query.kind) conditions.push(['kind = ?', query.kind]);
    if (query.datasetId) conditions.push(['dataset_id = ?', query.datasetId]);
    if (!query.includeTrials) conditions.push(['parent_run_id IS NULL']);
    const { items, nextPageToken } = await this.read(() => listPage(this.pool, 'runs', conditions, query, (r) => Run.fromJSON(r)));
    return { runs: items, nextPageToken };
  }

  async idsWithStatus(statuses: RunStatus[]): Promise<string[]> {
    const { rows } = await this.read(() =>
      this.pool.query<{ id: string }>(`SELECT id FROM runs WHERE status = ANY($1::int[]) ORDER BY created_at, id`, [statuses]),
    );
    return rows.map((r) => r.id);
  }

  async appendEvent(event: RunEvent): Promise<void> {
    await this.pool.query(`INSERT INTO run_events (run_id, sequence, kind, event) VALUES ($1, $2, $3, $4)`, [
      event.runId,
      event.sequence,
      event.event?.$case ?? 'unknown',
      Buffer.from(RunEvent.encode(event).finish()),
    ]);
  }

  async eventsAfter(runId: string, afterSequence: number): Promise<RunEvent[]> {
    const { rows } = await this.read(() =>
      this.pool.query<{ event: Buffer }>(`SELECT event FROM run_events WHERE run_id = $1 AND sequence > $2 ORDER BY sequence`, [runId, afterSequence]),
    );
    return decodeEvents(rows);
  }

  async lastSequence(runId: string): Promise<number> {
    const { rows } = await this.read(() => this.pool.query<{ s: string | null }>(`SELECT MAX(sequence) AS s FROM run_events WHERE run_id = $1`, [runId]));
    return Number(rows[0]?.s ?? 0);
  }

  async eventsOf(runId: string, kind: EventCase): Promise<RunEvent[]> {
    const { rows } = await this.read(() =>
      this.pool.query<{ event: Buffer }>(`SELECT event FROM run_events WHERE run_id = $1 AND kind = $2 ORDER BY sequence`, [runId, kind]),
    );
    return decodeEvents(rows);
  }

  private read<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, this.retry);
  }
}
