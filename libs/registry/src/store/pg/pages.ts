import type { Pool } from 'pg';
import { decodeCursor, encodeCursor, pageSize, type Condition } from '../pages';

/** Numbers the `?` placeholders of `sql` as `$1`, `$2`... from `first`. */
export function numbered(sql: string, first = 1): string {
  let n = first;
  return sql.replace(/\?/g, () => `$${n++}`);
}

/**
 * One newest-first page of `runs` or `models` (columns `id`, `record` JSONB,
 * `created_at` BIGINT), filtered by `conditions` (`?` placeholders, as in
 * SQLite), resuming after the page token's position. Same page sizes, order
 * and tokens as the SQLite `listPage`.
 */
export async function listPage<T>(
  pool: Pool,
  table: 'runs' | 'models',
  conditions: Condition[],
  query: { pageSize: number; pageToken: string },
  decode: (record: unknown) => T,
): Promise<{ items: T[]; nextPageToken: string }> {
  const limit = pageSize(query.pageSize);
  const cursor = decodeCursor(query.pageToken);
  const all: Condition[] = cursor ? [...conditions, ['(created_at < ? OR (created_at = ? AND id < ?))', cursor.createdAt, cursor.createdAt, cursor.id]] : conditions;
  const where = all.length ? `WHERE ${all.map(([sql]) => sql).join(' AND ')}` : '';
  const params = [...all.flatMap(([, ...p]) => p), limit + 1];
  const { rows } = await pool.query<{ id: string; record: unknown; created_at: string }>(
    numbered(`SELECT id, record, created_at FROM ${table} ${where} ORDER BY created_at DESC, id DESC LIMIT ?`),
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => decode(r.record)),
    nextPageToken: rows.length > limit && last ? encodeCursor({ createdAt: Number(last.created_at), id: last.id }) : '',
  };
}
