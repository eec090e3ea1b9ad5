import { Model } from '@advlab/contract';
import type { Db } from './db';
import { listPage, type Condition } from './pages';
import type { ModelRecordStore, StoredModel } from './types';


/** Models in SQLite; the weights live in checkpoint files beside the database. */
export class ModelRepository implements ModelRecordStore {
  constructor(private readonly db: Db) {}

  async insert(model: Model, checkpoint: string): Promise<void> {
    this.db
      .prepare(`INSERT INTO models (id, run_id, dataset_id, checkpoint, record, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(model.id, model.runId, model.datasetId, checkpoint, JSON.stringify(Model.toJSON(model)), (model.createdAt ?? new Date()).getTime());
  }

  async update(model: Model): Promise<void> {
    const info = this.db.prepare(`UPDATE models SET record = ? WHERE id = ?`).run(JSON.stringify(Model.toJSON(model)), model.id);
    if (info.changes !== 1) throw new Error(`model ${model.id} is not in the registry`);
  }

  async get(id: string): Promise<StoredModel | undefined> {
    const row = this.db.prepare(`SELECT record, checkpoint FROM models WHERE id = ?`).get(id) as
      | { record: string; checkpoint: string }
      | undefined;
    return row && { model: Model.fromJSON(JSON.parse(row.record)), checkpoint: row.checkpoint };
  }

  async list(query: { pageSize: number; pageToken: string; datasetId: string }): Promise<{ models: Model[]; nextPageToken: string }> {
    const conditions: Condition[] = query.datasetId ? [['dataset_id = ?', query.datasetId]] : [];
    const { items, nextPageToken } = listPage(this.db, 'models', conditions, query, (r) => Model.fromJSON(r));
    return { models: items, nextPageToken };
  }

  /** Removes the row; returns the checkpoint file name it pointed to, or undefined. */
  async delete(id: string): Promise<string | undefined> {
    const row = await this.get(id);
    if (!row) return undefined;
    this.db.prepare(`DELETE FROM models WHERE id = ?`).run(id);
    return row.checkpoint;
  }

  async count(): Promise<number> {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM models`).get() as { n: number }).n;
  }
}
