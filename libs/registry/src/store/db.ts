import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetRepository } from './datasets';
import { ModelRepository } from './models';
import { RunRepository } from './runs';
import type { RegistryDatabase } from './types';

/** The registry database handle. */
export type Db = Database.Database;

/**
 * Schema migrations, applied in order; the index + 1 is the schema version
 * stored in `PRAGMA user_version`. Append only: never edit a released entry.
 */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    cache_dir TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0,
    info TEXT NOT NULL,              -- advlab.v1.Dataset as protobuf JSON
    created_at INTEGER NOT NULL
  );
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    parent_run_id TEXT REFERENCES runs(id),
    kind INTEGER NOT NULL,
    status INTEGER NOT NULL,
    dataset_id TEXT NOT NULL,
    record TEXT NOT NULL,            -- advlab.v1.Run without history/trials, protobuf JSON
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX runs_by_created ON runs(created_at DESC, id DESC);
  CREATE INDEX runs_by_parent ON runs(parent_run_id);
  CREATE TABLE run_events (
    run_id TEXT NOT NULL REFERENCES runs(id),
    sequence INTEGER NOT NULL,
    kind TEXT NOT NULL,
    event BLOB NOT NULL,             -- advlab.v1.RunEvent, protobuf binary
    PRIMARY KEY (run_id, sequence)
  ) WITHOUT ROWID;
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    checkpoint TEXT NOT NULL,        -- file name under the checkpoints folder
    record TEXT NOT NULL,            -- advlab.v1.Model, protobuf JSON
    created_at INTEGER NOT NULL
  );
  CREATE INDEX models_by_created ON models(created_at DESC, id DESC);
  `,
];

/** Current schema version. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating if needed) the registry at `file` in WAL mode with foreign
 * keys on, and migrates it to the current schema. Refuses a database written
 * by a newer advlab.
 */
export function openDatabase(file: string): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Both services open the same database: migrate under a write lock, reading the version inside it.
  const migrate = db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${file} has schema version ${version}, newer than this advlab (${SCHEMA_VERSION}); upgrade advlab`);
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  try {
    migrate.immediate();
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** The SQLite registry database: one file, one machine (the default). */
export interface SqliteDatabase extends RegistryDatabase {
  readonly kind: 'sqlite';
  /** The better-sqlite3 handle, for tests and maintenance. */
  readonly db: Db;
}

/** Opens the SQLite registry at `file` (see `openDatabase`) behind the storage contract. */
export function openSqlite(file: string): SqliteDatabase {
  const db = openDatabase(file);
  return {
    kind: 'sqlite',
    db,
    runs: new RunRepository(db),
    models: new ModelRepository(db),
    datasets: new DatasetRepository(db),
    close: async () => {
      db.close();
    },
  };
}
