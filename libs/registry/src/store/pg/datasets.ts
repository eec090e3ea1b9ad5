import { Dataset } from '@advlab/contract';
import type { Pool } from 'pg';
import type { DatasetRecordStore, StoredDataset } from '../types';
import { withRetry, type RetryOptions } from './pool';

type Row = { info: unknown; cache_dir: string };

const stored = (row: Row | undefined): StoredDataset | undefined => row && { dataset: Dataset.fromJSON(row.info), cacheDir: row.cache_dir };

/** Dataset records in PostgreSQL; the same behaviour as the SQLite `DatasetRepository`. */
export class PgDatasetStore implements DatasetRecordStore {
  constructor(
    private readonly pool: Pool,
    private readonly retry: RetryOptions = {},
  ) {}

  async upsert(dataset: Dataset, cacheDir: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO datasets (id, name, source, cache_dir, builtin, info, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, source = excluded.source, cache_dir = excluded.cache_dir,
         builtin = excluded.builtin, info = excluded.info`,
      [
        dataset.id,
        dataset.name,
        dataset.source,
        cacheDir,
        dataset.builtin,
        JSON.stringify(Dataset.toJSON(dataset)),
        (dataset.createdAt ?? new Date()).getTime(),
      ],
    );
  }

  async get(id: string): Promise<StoredDataset | undefined> {
    const { rows } = await withRetry(() => this.pool.query<Row>(`SELECT info, cache_dir FROM datasets WHERE id = $1`, [id]), this.retry);
    return stored(rows[0]);
  }

  async findByName(name: string): Promise<StoredDataset | undefined> {
    const { rows } = await withRetry(() => this.pool.query<Row>(`SELECT info, cache_dir FROM datasets WHERE name = $1`, [name]), this.retry);
    return stored(rows[0]);
  }

  async list(): Promise<Dataset[]> {
    const { rows } = await withRetry(
      () => this.pool.query<{ info: unknown }>(`SELECT info FROM datasets ORDER BY builtin DESC, created_at DESC, id DESC`),
      this.retry,
    );
    return rows.map((r) => Dataset.fromJSON(r.info));
  }
}
