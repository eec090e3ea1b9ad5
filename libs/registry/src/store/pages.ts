import { invalidRequest as invalidArgument } from '../errors';

/** Default and largest page sizes of list RPCs. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** A keyset position: rows strictly after (created_at, id) in newest-first order. */
export interface PageCursor {
  createdAt: number;
  id: string;
}

export function pageSize(requested: number): number {
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PAGE_SIZE) {
    throw invalidArgument(`page_size must be in [1, ${MAX_PAGE_SIZE}], got ${requested}`);
  }
  return requested;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(token: string): PageCursor | undefined {
  if (!token) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(token, 'base64url').toString()) as [unknown, unknown];
    if (typeof createdAt === 'number' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw invalidArgument('page_token is not a token this service returned');
}

/** One SQL condition and its parameters, e.g. `['status = ?', 3]`. */
export type Condition = [sql: string, ...params: (string | number)[]];

/**
 * One newest-first page of a table that has `id`, `record` (JSON) and
 * `created_at` columns, filtered by `conditions`, resuming after the page
 * token's position.
 */
export function listPage<T>(
  db: import('./db').Db,
  table: 'runs' | 'models',
  conditions: Condition[],
  query: { pageSize: number; pageToken: string },
  decode: (record: unknown) => T,
): { items: T[]; nextPageToken: string } {
  const limit = pageSize(query.pageSize);
  const cursor = decodeCursor(query.pageToken);
  const all: Condition[] = cursor
    ? [...conditions, ['(created_at < ? OR (created_at = ? AND id < ?))', cursor.createdAt, cursor.createdAt, cursor.id]]
    : conditions;
  const where = all.length ? `WHERE ${all.map(([sql]) => sql).join(' AND ')}` : '';
  const rows = db
    .prepare(`SELECT id, record, created_at FROM ${table} ${where} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .all(...all.flatMap(([, ...params]) => params), limit + 1) as { id: string; record: string; created_at: number }[];
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => decode(JSON.parse(r.record))),
    nextPageToken: rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : '',
  };
}
