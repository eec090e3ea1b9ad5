import * as path from 'node:path';
import { DatasetCatalog } from './datasets/catalog';
import { ModelStore } from './models/model-store';
import { DatasetRepository, ModelRepository, openDatabase, RunRepository, type Db } from './store';

/** Everything a service keeps in its data directory. */
export interface Registry {
  dataDir: string;
  db: Db;
  runs: RunRepository;
  models: ModelStore;
  datasets: DatasetCatalog;
  close(): void;
}

/** Default data directory: `.advlab` under the working directory, or ADVLAB_DATA_DIR. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.ADVLAB_DATA_DIR || path.join(process.cwd(), '.advlab'));
}

/**
 * Opens the registry in `dataDir`: `advlab.db` (SQLite, WAL), `checkpoints/`
 * and `datasets/`; registers the bundled dataset.
 */
export function openRegistry(dataDir: string): Registry {
  const db = openDatabase(path.join(dataDir, 'advlab.db'));
  const datasets = new DatasetCatalog(new DatasetRepository(db), dataDir);
  datasets.registerBundled();
  const models = new ModelStore(new ModelRepository(db), path.join(dataDir, 'checkpoints'));
  return {
    dataDir,
    db,
    runs: new RunRepository(db),
    models,
    datasets,
    close: () => {
      models.clear();
      db.close();
    },
  };
}
