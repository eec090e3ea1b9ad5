import { LossKind, type Model as ModelRecord } from '@advlab/contract';
import { unknownId as notFound, wrongState as failedPrecondition } from '../errors';
import { decodeCheckpoint, encodeCheckpoint, modelFromCheckpoint, type CheckpointMeta, type LossName, type Model } from '@advlab/model';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BlobStore, ModelRecordStore } from '../store';

/** A model ready to run: its record, its weights on the active backend, and its loss. */
export interface LoadedModel {
  record: ModelRecord;
  model: Model;
  /** The training loss, which decides the output function (softmax or sigmoid) and the attack loss. */
  loss: LossName;
}

interface CacheEntry {
  loading: Promise<LoadedModel>;
  leases: number;
  evicted: boolean;
}

/** The model lib's loss name for a stored training config's loss. */
export function lossName(loss: LossKind | undefined): LossName {
  return loss === LossKind.LOSS_KIND_ONE_VS_ALL ? 'ova' : 'cross-entropy';
}

/**
 * Stored models: records in the registry database, weights in the checkpoint
 * blobs as `<id>.ckpt` (files beside the SQLite database, or rows in
 * PostgreSQL: every worker reads them), written atomically. Loaded weights are cached (least recently used
 * evicted) and lent out with `use`, so a model is never disposed while an
 * evaluation or attack holds it.
 */
export class ModelStore {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly repo: ModelRecordStore,
    /** Checkpoints by name (`<id>.ckpt`). */
    readonly blobs: BlobStore,
    /** The folder of file blobs, where interrupted writes leave temporary files; none for database blobs. */
    private readonly checkpointsDir?: string,
    private readonly cacheSize = 4,
  ) {}

  /** The record; NOT_FOUND when unknown. */
  async get(id: string): Promise<ModelRecord> {
    if (!id) throw notFound('model_id is required');
    const stored = await this.repo.get(id);
    if (!stored) throw notFound(`model "${id}" not found (ListModels shows the stored ones)`);
    return stored.model;
  }

  list(query: { pageSize: number; pageToken: string; datasetId: string }) {
    return this.repo.list(query);
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  /** The blob name of a model's checkpoint. */
  checkpointName(id: string): string {
    return `${id}.ckpt`;
  }

  /** Writes the weights atomically; call `register` once they are final. Returns the checkpoint's size in bytes. */
  async writeCheckpoint(id: string, model: Model, meta: CheckpointMeta): Promise<number> {
    const buf = encodeCheckpoint(model, meta);
    await this.blobs.put(this.checkpointName(id), buf);
    return buf.length;
  }

  /** The checkpoint's bytes, or undefined. */
  readCheckpoint(id: string): Promise<Buffer | undefined> {
    return this.blobs.get(this.checkpointName(id));
  }

  /** Removes a checkpoint that will not be registered (a cancelled or failed run's). */
  async discardCheckpoint(id: string): Promise<void> {
    await this.blobs.delete(this.checkpointName(id));
  }

  /**
   * After a crash: removes temporary files of checkpoint writes that never
   * finished, and checkpoints of runs that never registered their model.
   * Call only when no run is active. Returns the names of the files removed.
   */
  async removeLeftovers(): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await this.blobs.list('')) {
      if (name.endsWith('.ckpt') && !(await this.repo.get(name.slice(0, -'.ckpt'.length)))) {
        await this.blobs.delete(name);
        removed.push(name);
      }
    }
    if (!this.checkpointsDir) return removed;
    let files: string[];
    try {
      files = await fs.readdir(this.checkpointsDir);
    } catch {
      return removed;
    }
    for (const file of files.filter((f) => f.endsWith('.tmp'))) {
      await fs.rm(path.join(this.checkpointsDir, file), { force: true });
      removed.push(file);
    }
    return removed;
  }

  /** Registers a model whose checkpoint is written. */
  register(record: ModelRecord): Promise<void> {
    return this.repo.insert(record, `${record.id}.ckpt`);
  }

  /** Saves changes to a record (e.g. new evaluations). */
  update(record: ModelRecord): Promise<void> {
    return this.repo.update(record);
  }

  /** Runs `fn` with the model loaded; the weights stay alive until `fn` settles. */
  async use<T>(id: string, fn: (loaded: LoadedModel) => Promise<T> | T): Promise<T> {
    const lease = await this.acquire(id);
    try {
      return await fn(lease.loaded);
    } finally {
      lease.release();
    }
  }

  /**
   * Loads the model (or takes it from the cache) and keeps it alive until
   * `release` is called; for work that streams (a generator cannot sit inside `use`).
   */
  async acquire(id: string): Promise<{ loaded: LoadedModel; release(): void }> {
    const record = await this.get(id);
    let entry = this.cache.get(id);
    if (entry) {
      this.cache.delete(id);
      this.cache.set(id, entry);
    } else {
      entry = { loading: this.load(record), leases: 0, evicted: false };
      this.cache.set(id, entry);
      entry.loading.catch(() => this.cache.delete(id));
      this.evictBeyondLimit();
    }
    const held = entry;
    held.leases++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.leases--;
      if (held.evicted && held.leases === 0) void this.dispose(held);
    };
    try {
      return { loaded: await held.loading, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Deletes the record, then the checkpoint file. NOT_FOUND when unknown. */
  async delete(id: string): Promise<void> {
    await this.get(id);
    const file = await this.repo.delete(id);
    const entry = this.cache.get(id);
    if (entry) {
      this.cache.delete(id);
      entry.evicted = true;
      if (entry.leases === 0) void this.dispose(entry);
    }
    if (file) await this.blobs.delete(file);
  }

  /** Releases every cached model that is not in use. */
  clear(): void {
    for (const [id, entry] of this.cache) {
      this.cache.delete(id);
      entry.evicted = true;
      if (entry.leases === 0) void this.dispose(entry);
    }
  }

  private async load(record: ModelRecord): Promise<LoadedModel> {
    const name = this.checkpointName(record.id);
    const buf = await this.blobs.get(name);
    if (!buf) throw failedPrecondition(`the checkpoint of model "${record.id}" is missing (${name})`);
    const model = modelFromCheckpoint(decodeCheckpoint(buf));
    return { record, model, loss: lossName(record.training?.loss) };
  }

  private evictBeyondLimit(): void {
    for (const [id, entry] of this.cache) {
      if (this.cache.size <= this.cacheSize) break;
      this.cache.delete(id);
      entry.evicted = true;
      if (entry.leases === 0) void this.dispose(entry);
    }
  }

  private async dispose(entry: CacheEntry): Promise<void> {
    try {
      (await entry.loading).model.dispose();
    } catch {
      // A model that failed to load holds nothing.
    }
  }
}
