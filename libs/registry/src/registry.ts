import { BUNDLED_DATASET_DIR, DEFAULT_LIMIT_INPUT_PIXELS, type FileLimits } from '@advlab/data';
import * as path from 'node:path';
import { DatasetCatalog } from './datasets/catalog';
import { ModelStore } from './models/model-store';
import { openSqlite, type RegistryDatabase, type RunStore } from './store';

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
}

/** The import roots used when none are configured: `<dataDir>/imports` and the bundled data. */
export function defaultImportRoots(dataDir: string): string[] {
  return [path.join(dataDir, 'imports'), path.dirname(BUNDLED_DATASET_DIR)];
}

/**
 * Opens the registry in `dataDir`: `advlab.db` (SQLite, WAL), `checkpoints/`
 * and `datasets/`; registers the bundled dataset.
 */
export async function openRegistry(dataDir: string, options: RegistryOptions = {}): Promise<Registry> {
  const db = openSqlite(path.join(dataDir, 'advlab.db'));
  const datasets = new DatasetCatalog(db.datasets, dataDir, {
    importRoots: options.importRoots ?? defaultImportRoots(dataDir),
    fileLimits: options.fileLimits,
    maxPixels: options.maxPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
  });
  try {
    await datasets.registerBundled();
  } catch (err) {
    await db.close();
    throw err;
  }
  const models = new ModelStore(db.models, path.join(dataDir, 'checkpoints'));
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
