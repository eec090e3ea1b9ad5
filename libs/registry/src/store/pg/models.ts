import { Model } from '@advlab/contract';
import type { Pool } from 'pg';
import type { Condition } from '../pages';
import type { ModelRecordStore, StoredModel } from '../types';
import { listPage } from './pages';
import { withRetry, type RetryOptions } from './pool';

/** Model records in PostgreSQL; the same behaviour as the SQLite `ModelRepository`. */
export class PgModelStore implements ModelRecordStore {
  constructor(
    private readonly pool: Pool,
    private readonly retry: RetryOptions = {},
  ) {}

  async insert(model: Model, checkpoint: string): Promise<void> {
    await this.pool.query(`INSERT INTO models (id, run_id, dataset_id, checkpoint, record, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
      model.id,
      model.runId,
      model.datasetId,
      checkpoint,
      JSON.stringify(Model.toJSON(model)),
      (model.createdAt ?? new Date()).getTime(),
    ]);
  }

  async update(model: Model): Promise<void> {
    const result = await this.pool.query(`UPDATE models SET record = $1 WHERE id = $2`, [JSON.stringify(Model.toJSON(model)), model.id]);
    if (result.rowCount !== 1) throw new Error(`model ${model.id} is not in the registry`);
  }

  async get(id: string): Promise<StoredModel | undefined> {
    const { rows } = await withRetry(
      () => this.pool.query<{ record: unknown; checkpoint: string }>(`SELECT record, checkpoint FROM models WHERE id = $1`, [id]),
      this.retry,
    );
    return rows[0] && { model: Model.fromJSON(rows[0].record), checkpoint: rows[0].checkpoint };
  }

  async list(query: { pageSize: number; pageToken: string; datasetId: string }): Promise<{ models: Model[]; nextPageToken: string }> {
    const conditions: Condition[] = query.datasetId ? [['dataset_id = ?', query.datasetId]] : [];
    const { items, nextPageToken } = await withRetry(() => listPage(this.pool, 'models', conditions, query, (r) => Model.fromJSON(r)), this.retry);
    return { models: items, nextPageToken };
  }

  async delete(id: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ checkpoint: string }>(`DELETE FROM models WHERE id = $1 RETURNING checkpoint`, [id]);
    return rows[0]?.checkpoint;
  }

  async count(): Promise<number> {
    const { rows } = await withRetry(() => this.pool.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM models`), this.retry);
    return rows[0]?.n ?? 0;
  }
}
