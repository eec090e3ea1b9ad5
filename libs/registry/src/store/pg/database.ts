import { Pool } from 'pg';
import type { BlobStore, RegistryDatabase } from '../types';
import { PgBlobStore, type BlobNamespace } from './blobs';
import { PgDatasetStore } from './datasets';
import { migratePostgres } from './migrate';
import { MIGRATIONS, type Migration } from './migrations';
import type { RetryOptions } from './pool';
import { PgModelStore } from './models';
import { PgRunStore } from './runs';

export interface PostgresOptions {
  /** Most connections the pool opens (default 10). */
  max?: number;
  /** How long to wait for a connection before failing the query (default 10 s). */
  connectionTimeoutMillis?: number;
  /** Idle connections are closed after this long (default 30 s). */
  idleTimeoutMillis?: number;
  /** Retries of idempotent reads after a lost connection (default: 2 retries, 100 ms then 200 ms). */
  readRetry?: RetryOptions;
  /** Shown in `pg_stat_activity` (default `advlab`). */
  applicationName?: string;
  /**
   * Called when an idle pooled connection fails (the server restarted or went
   * away); the pool drops it and opens a new one on the next query. Default:
   * a warning on stderr.
   */
  onConnectionError?: (err: Error) => void;
  /** The schema to migrate to (default `MIGRATIONS`). */
  migrations?: readonly Migration[];
}

/** The PostgreSQL registry: record stores, blob namespaces and the pool they share. */
export interface PostgresDatabase extends RegistryDatabase {
  readonly kind: 'postgres';
  readonly runs: PgRunStore;
  readonly models: PgModelStore;
  readonly datasets: PgDatasetStore;
  /** The connection pool, for tables that live beside the registry's. */
  readonly pool: Pool;
  /** The blobs of one namespace (the same store on every call). */
  blobs(namespace: BlobNamespace): BlobStore;
}

const defaultConnectionError = (err: Error) => {
  console.warn(`[registry] PostgreSQL connection lost (${err.message}); reconnecting on the next query`);
};

/**
 * Connects to the PostgreSQL registry at `url` (`postgres://user:pass@host:port/db`)
 * and migrates it (see `migratePostgres`); rejects, leaving nothing open, when the
 * server cannot be reached or its schema is newer than this advlab.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    application_name: options.applicationName ?? 'advlab',
  });
  // Without a listener, an idle connection's error (server restart, network loss) would crash the process.
  pool.on('error', options.onConnectionError ?? defaultConnectionError);
  try {
    await migratePostgres(pool, options.migrations ?? MIGRATIONS);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const retry = options.readRetry ?? {};
  const blobStores = new Map<BlobNamespace, PgBlobStore>();
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    pool,
    runs: new PgRunStore(pool, retry),
    models: new PgModelStore(pool, retry),
    datasets: new PgDatasetStore(pool, retry),
    blobs(namespace) {
      let store = blobStores.get(namespace);
      if (!store) blobStores.set(namespace, (store = new PgBlobStore(pool, namespace, retry)));
      return store;
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}
