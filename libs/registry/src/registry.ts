import { BUNDLED_DATASET_DIR, DEFAULT_LIMIT_INPUT_PIXELS, type FileLimits } from '@advlab/data';
import * as path from 'node:path';
import { DatasetCatalog } from './datasets/catalog';
import { ModelStore } from './models/model-store';
import { FileBlobStore, openPostgres, openSqlite, type BlobStore, type RegistryDatabase, type RunStore } from './store';

/** Everything a service keeps in its data directory. */
export interface Registry {
  dataDir: string;
  /** The database behind the records. */
  db: RegistryDatabase;
  runs: RunStore;
  models: ModelStore;
  datasets: DatasetCatalog;
  close(): Promise<void>;
}

/** Default data directory: `.advlab` under the working directory, or ADVLAB_DATA_DIR. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.ADVLAB_DATA_DIR || path.join(process.cwd(), '.advlab'));
}

/** What the server reads for clients, and how much. */
export interface RegistryOptions {
  /**
   * Folders imports and folder predictions may read (see `FileRoots`). Default
   * `<dataDir>/imports` and the bundled data's folder.
   */
  importRoots?: readonly string[];
  /** Caps on one import's files, bytes and depth. */
  fileLimits?: Partial<FileLimits>;
  /** Largest image decoded, in pixels; a request may only lower it. Default 40 million. */
  maxPixels?: number;
  /**
   * A PostgreSQL URL (`ADVLAB_DATABASE_URL`): records, checkpoints and dataset
   * caches in that database, shared by every process that opens it; the data
   * directory then only holds local copies of dataset caches. Default: SQLite
   * and files in the data directory.
   */
  databaseUrl?: string;
  /** Called when a pooled PostgreSQL connection breaks (the next query reconnects). */
  onConnectionError?: (err: Error) => void;
}

/** The PostgreSQL URL of the environment (`ADVLAB_DATABASE_URL`), if any. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.ADVLAB_DATABASE_URL?.trim() || undefined;
}

/** A database URL with its password hidden, for logs and banners. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** The import roots used when none are configured: `<dataDir>/imports` and the bundled data. */
export function defaultImportRoots(dataDir: string): string[] {
  return [path.join(dataDir, 'imports'), path.dirname(BUNDLED_DATASET_DIR)];
}

/**
 * Opens the registry: in `dataDir`, `advlab.db` (SQLite, WAL), `checkpoints/`
 * and `datasets/`; or, with `databaseUrl`, PostgreSQL (migrated to this
 * advlab's schema) with `dataDir` as a local cache. Registers the bundled dataset.
 */
export async function openRegistry(dataDir: string, options: RegistryOptions = {}): Promise<Registry> {
  let db: RegistryDatabase;
  let checkpoints: BlobStore;
  let checkpointsDir: string | undefined;
  let datasetBlobs: BlobStore | undefined;
  if (options.databaseUrl) {
    const pg = await openPostgres(options.databaseUrl, { onConnectionError: options.onConnectionError, applicationName: 'advlab' });
    db = pg;
    checkpoints = pg.blobs('checkpoints');
    datasetBlobs = pg.blobs('datasets');
  } else {
    db = openSqlite(path.join(dataDir, 'advlab.db'));
    checkpointsDir = path.join(dataDir, 'checkpoints');
    checkpoints = new FileBlobStore(checkpointsDir);
  }
  const datasets = new DatasetCatalog(db.datasets, dataDir, {
    importRoots: options.importRoots ?? defaultImportRoots(dataDir),
    fileLimits: options.fileLimits,
    maxPixels: options.maxPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
    blobs: datasetBlobs,
  });
  try {
    await datasets.registerBundled();
  } catch (err) {
    await db.close();
    throw err;
  }
  const models = new ModelStore(db.models, checkpoints, checkpointsDir);
  return {
    dataDir,
    db,
    runs: db.runs,
    models,
    datasets,
    close: async () => {
      models.clear();
      await db.close();
    },
  };
}
