import type { Dataset, Model, Run, RunEvent, RunKind, RunStatus } from '@advlab/contract';

/**
 * The registry's storage contract. Two implementations keep the same records
 * with the same behaviour: SQLite (one machine, the default) and PostgreSQL
 * (`ADVLAB_DATABASE_URL`, many workers). Every method is asynchronous so that a
 * networked database never blocks a service's event loop.
 */

/** The kind of a run event: the name of its oneof case. */
export type EventCase = NonNullable<RunEvent['event']>['$case'];

export interface ListRunsQuery {
  pageSize: number;
  pageToken: string;
  status: RunStatus;
  kind: RunKind;
  datasetId: string;
  includeTrials: boolean;
}

/**
 * Runs and their event logs. The run row holds the record without history;
 * epochs and sweep trials are read back from the event log, which is the
 * single source of truth for what happened.
 */
export interface RunStore {
  insert(run: Run): Promise<void>;
  /** Saves the run's record (status, timestamps, bests, model id...); throws when the run is unknown. */
  update(run: Run): Promise<void>;
  /** The run with its history and trials, or undefined. */
  get(id: string): Promise<Run | undefined>;
  /** A newest-first page; INVALID_ARGUMENT for a bad page size or token. */
  list(query: ListRunsQuery): Promise<{ runs: Run[]; nextPageToken: string }>;
  /** Ids of runs in the given statuses, oldest first. */
  idsWithStatus(statuses: RunStatus[]): Promise<string[]>;
  /** Appends an event; its sequence must be new for the run (a duplicate throws). */
  appendEvent(event: RunEvent): Promise<void>;
  /** Events of a run after `afterSequence`, in order. */
  eventsAfter(runId: string, afterSequence: number): Promise<RunEvent[]>;
  /** Highest stored sequence of a run (0 when none). */
  lastSequence(runId: string): Promise<number>;
  /** Stored events of one kind, in order (epochs, trials, study stages). */
  eventsOf(runId: string, kind: EventCase): Promise<RunEvent[]>;
}

/** A stored model and the name of its checkpoint blob. */
export interface StoredModel {
  model: Model;
  /** Checkpoint name (`<id>.ckpt`), a key of the checkpoint blobs. */
  checkpoint: string;
}

export interface ModelRecordStore {
  insert(model: Model, checkpoint: string): Promise<void>;
  /** Throws when the model is unknown. */
  update(model: Model): Promise<void>;
  get(id: string): Promise<StoredModel | undefined>;
  list(query: { pageSize: number; pageToken: string; datasetId: string }): Promise<{ models: Model[]; nextPageToken: string }>;
  /** Removes the row; returns the checkpoint name it pointed to, or undefined. */
  delete(id: string): Promise<string | undefined>;
  count(): Promise<number>;
}

/** A registered dataset and where its cache lives. */
export interface StoredDataset {
  dataset: Dataset;
  /** Folder of the uint8 cache (or of the bundled files). */
  cacheDir: string;
}

export interface DatasetRecordStore {
  /** Inserts or replaces the dataset with this id. */
  upsert(dataset: Dataset, cacheDir: string): Promise<void>;
  get(id: string): Promise<StoredDataset | undefined>;
  /** The dataset with this name, if any. */
  findByName(name: string): Promise<StoredDataset | undefined>;
  /** Bundled datasets first, then newest first. */
  list(): Promise<Dataset[]>;
}

/**
 * Named byte blobs (checkpoints, dataset cache files): files under a folder on
 * one machine; rows in PostgreSQL, or objects in an S3-compatible store, when
 * workers share nothing but the database.
 */
export interface BlobStore {
  /** Stores `data` under `key`, replacing what was there, atomically (a reader never sees half of it). */
  put(key: string, data: Uint8Array): Promise<void>;
  /** The bytes under `key`, or undefined. */
  get(key: string): Promise<Buffer | undefined>;
  /** Removes `key`; nothing happens when it is absent. */
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

/** One database: its record stores, and how to close it. */
export interface RegistryDatabase {
  /** `sqlite` or `postgres`, for banners and `advlab info`. */
  readonly kind: 'sqlite' | 'postgres';
  readonly runs: RunStore;
  readonly models: ModelRecordStore;
  readonly datasets: DatasetRecordStore;
  close(): Promise<void>;
}
