/** One step of the PostgreSQL schema; its version is its position in `MIGRATIONS` + 1. */
export interface Migration {
  /** What the step adds, recorded in `advlab_schema`. */
  name: string;
  /** The statements, run in the migration's transaction. */
  sql: string;
}

/**
 * The PostgreSQL schema, applied in order by `migratePostgres`. Append only: never edit
 * or reorder a released entry. The tables mirror the SQLite ones (`../db.ts`);
 * timestamps are milliseconds since the epoch (BIGINT) so that page tokens are
 * the same in both databases, and ids compare byte by byte (COLLATE "C", like
 * SQLite's BINARY) so that pages break ties the same way whatever the
 * database's locale.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'registry records and blobs',
    sql: `
    CREATE TABLE datasets (
      id TEXT COLLATE "C" PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      source TEXT NOT NULL,
      cache_dir TEXT NOT NULL,
      builtin BOOLEAN NOT NULL DEFAULT FALSE,
      info JSONB NOT NULL,                 -- advlab.v1.Dataset as protobuf JSON
      created_at BIGINT NOT NULL
    );
    CREATE TABLE runs (
      id TEXT COLLATE "C" PRIMARY KEY,
      parent_run_id TEXT COLLATE "C" REFERENCES runs(id),
      kind INTEGER NOT NULL,
      status INTEGER NOT NULL,
      dataset_id TEXT NOT NULL,
      record JSONB NOT NULL,               -- advlab.v1.Run without history/trials, protobuf JSON
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    );
    CREATE INDEX runs_by_created ON runs(created_at DESC, id DESC);
    CREATE INDEX runs_by_parent ON runs(parent_run_id);
    CREATE TABLE run_events (
      run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
      sequence BIGINT NOT NULL,
      kind TEXT NOT NULL,
      event BYTEA NOT NULL,                -- advlab.v1.RunEvent, protobuf binary
      PRIMARY KEY (run_id, sequence)
    );
    CREATE TABLE models (
      id TEXT COLLATE "C" PRIMARY KEY,
      run_id TEXT NOT NULL,
      dataset_id TEXT NOT NULL,
      checkpoint TEXT NOT NULL,            -- key of the checkpoint blob
      record JSONB NOT NULL,               -- advlab.v1.Model, protobuf JSON
      created_at BIGINT NOT NULL
    );
    CREATE INDEX models_by_created ON models(created_at DESC, id DESC);
    CREATE TABLE blob_heads (
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      size BIGINT NOT NULL,
      chunks INTEGER NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (namespace, key)
    );
    CREATE TABLE blobs (
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      chunk INTEGER NOT NULL,
      data BYTEA NOT NULL,
      PRIMARY KEY (namespace, key, chunk),
      FOREIGN KEY (namespace, key) REFERENCES blob_heads(namespace, key) ON DELETE CASCADE
    );
    -- Checkpoints and caches barely compress: store chunks out of line without trying.
    ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
    `,
  },
  {
    name: 'workers, run leases and cancel requests',
    sql: `
      -- Trainer processes sharing this database: their heartbeats and what they run.
      CREATE TABLE workers (
        id TEXT COLLATE "C" PRIMARY KEY,
        role INTEGER NOT NULL,
        state INTEGER NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        backend TEXT NOT NULL,
        threads INTEGER NOT NULL,
        slots INTEGER NOT NULL,
        version TEXT NOT NULL,
        run_ids TEXT[] NOT NULL DEFAULT '{}',
        started_at BIGINT NOT NULL,
        heartbeat_at BIGINT NOT NULL,
        stopped_at BIGINT
      );
      CREATE INDEX workers_by_heartbeat ON workers(state, heartbeat_at);
      -- Which worker runs a run now, and the job-queue worker holding its job.
      CREATE TABLE run_leases (
        run_id TEXT COLLATE "C" PRIMARY KEY REFERENCES runs(id),
        worker_id TEXT COLLATE "C" NOT NULL,
        queue_worker TEXT NOT NULL,
        acquired_at BIGINT NOT NULL
      );
      CREATE INDEX run_leases_by_worker ON run_leases(worker_id);
      -- Cancels asked for runs that a worker is running.
      CREATE TABLE run_cancels (
        run_id TEXT COLLATE "C" PRIMARY KEY REFERENCES runs(id),
        requested_at BIGINT NOT NULL
      );
    `,
  },
];

/** The schema version this advlab writes. */
export const PG_SCHEMA_VERSION = MIGRATIONS.length;
