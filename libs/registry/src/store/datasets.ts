import { Dataset } from '@advlab/contract';
import type { Db } from './db';
import type { DatasetRecordStore, StoredDataset } from './types';


/** Imported datasets in SQLite; pixels live in the data lib's cache files. */
export class DatasetRepository implements DatasetRecordStore {
  constructor(private readonly db: Db) {}

  /** Inserts or replaces the dataset with this id. */
  async upsert(dataset: Dataset, cacheDir: string): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO datasets (id, name, source, cache_dir, builtin, info, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, source = excluded.source, cache_dir = excluded.cache_dir,
           builtin = excluded.builtin, info = excluded.info`,
      )
      .run(
        dataset.id,
        dataset.name,
        dataset.source,
        cacheDir,
        dataset.builtin ? 1 : 0,
        JSON.stringify(Dataset.toJSON(dataset)),
        (dataset.createdAt ?? new Date()).getTime(),
      );
  }

  async get(id: string): Promise<StoredDataset | undefined> {
    const row = this.db.prepare(`SELECT info, cache_dir FROM datasets WHERE id = ?`).get(id) as { info: string; cache_dir: string } | undefined;
    return row && { dataset: Dataset.fromJSON(JSON.parse(row.info)), cacheDir: row.cache_dir };
  }

  /** The dataset with this name, if any. */
  async findByName(name: string): Promise<StoredDataset | undefined> {
    const row = this.db.prepare(`SELECT id FROM datasets WHERE name = ?`).get(name) as { id: string } | undefined;
    return row && this.get(row.id);
  }

  /** Bundled datasets first, then newest first. */
  async list(): Promise<Dataset[]> {
    return (this.db.prepare(`SELECT info FROM datasets ORDER BY builtin DESC, created_at DESC, id DESC`).all() as { info: string }[]).map((r) =>
      Dataset.fromJSON(JSON.parse(r.info)),
    );
  }
}
