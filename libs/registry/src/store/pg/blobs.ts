import type { Pool } from 'pg';
import type { BlobStore } from '../types';
import { pgTransaction, withRetry, type RetryOptions } from './pool';

/** The blob namespaces of the registry. */
export type BlobNamespace = 'checkpoints' | 'datasets';

/** Bytes per stored chunk: a model checkpoint is one chunk, a dataset cache some tens. */
export const BLOB_CHUNK_BYTES = 1024 * 1024;

/**
 * Blobs in PostgreSQL: `blob_heads` has one row per key (size, chunk count),
 * `blobs` the bytes in `BLOB_CHUNK_BYTES` chunks. A put writes the head and all
 * the chunks in one transaction, so a reader sees the old value or the new one,
 * never a mix; concurrent puts of one key queue on the head row and the last to
 * commit wins whole.
 */
export class PgBlobStore implements BlobStore {
  constructor(
    private readonly pool: Pool,
    readonly namespace: BlobNamespace,
    private readonly retry: RetryOptions = {},
    private readonly chunkBytes = BLOB_CHUNK_BYTES,
  ) {}

  async put(key: string, data: Uint8Array): Promise<void> {
    checkKey(key);
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const chunks = Math.ceil(bytes.length / this.chunkBytes);
    await pgTransaction(this.pool, async (client) => {
      // Takes the head row's lock first: a second writer of this key waits here until we commit.
      await client.query(
        `INSERT INTO blob_heads (namespace, key, size, chunks, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (namespace, key) DO UPDATE SET size = excluded.size, chunks = excluded.chunks, updated_at = excluded.updated_at`,
        [this.namespace, key, bytes.length, chunks, Date.now()],
      );
      await client.query(`DELETE FROM blobs WHERE namespace = $1 AND key = $2`, [this.namespace, key]);
      for (let i = 0; i < chunks; i++) {
        await client.query(`INSERT INTO blobs (namespace, key, chunk, data) VALUES ($1, $2, $3, $4)`, [
          this.namespace,
          key,
          i,
          bytes.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes),
        ]);
      }
    });
  }

  async get(key: string): Promise<Buffer | undefined> {
    // One statement, so one snapshot: the head and the chunks of the same committed put.
    const { rows } = await withRetry(
      () =>
        this.pool.query<{ size: string; chunks: number; chunk: number | null; data: Buffer | null }>(
          `SELECT h.size, h.chunks, b.chunk, b.data
             FROM blob_heads h LEFT JOIN blobs b ON b.namespace = h.namespace AND b.key = h.key
            WHERE h.namespace = $1 AND h.key = $2
            ORDER BY b.chunk`,
          [this.namespace, key],
        ),
      this.retry,
    );
    const head = rows[0];
    if (!head) return undefined;
    const parts = rows.filter((r) => r.data !== null).map((r) => r.data as Buffer);
    const out = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    if (parts.length !== head.chunks || out.length !== Number(head.size)) {
      throw new Error(`blob ${this.namespace}/${key} is damaged: ${parts.length}/${head.chunks} chunks, ${out.length}/${head.size} bytes`);
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    // The chunks go with the head (ON DELETE CASCADE), in this one statement.
    await this.pool.query(`DELETE FROM blob_heads WHERE namespace = $1 AND key = $2`, [this.namespace, key]);
  }

  async list(prefix: string): Promise<string[]> {
    const { rows } = await withRetry(
      () =>
        this.pool.query<{ key: string }>(`SELECT key FROM blob_heads WHERE namespace = $1 AND left(key, length($2)) = $2`, [this.namespace, prefix]),
      this.retry,
    );
    return rows.map((r) => r.key).sort();
  }
}

function checkKey(key: string): void {
  if (!key) throw new Error('a blob key must not be empty');
}
