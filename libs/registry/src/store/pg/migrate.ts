import type { Pool } from 'pg';
import { MIGRATIONS, type Migration } from './migrations';
import { pgTransaction } from './pool';

/**
 * Key of the transaction-level advisory lock migrations run under, so that
 * processes starting together migrate one after the other.
 */
export const MIGRATION_LOCK_KEY = 0x6164766c; // 'advl'

/** Raised when the database was migrated by a newer advlab. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';

  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`the PostgreSQL registry has schema version ${found}, newer than this advlab (${supported}); upgrade advlab`);
  }
}

/**
 * Brings the database to the last of `migrations`: in one transaction, under
 * `pg_advisory_xact_lock(MIGRATION_LOCK_KEY)`, creates `advlab_schema` if
 * needed, reads the version (the highest row), applies the missing steps and
 * records each one. Throws `SchemaTooNewError`, changing nothing, when the
 * database is newer. Returns the versions before and after.
 */
export async function migratePostgres(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<{ from: number; to: number }> {
  return pgTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS advlab_schema (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM advlab_schema');
    const from = rows[0]?.version ?? 0;
    if (from > migrations.length) throw new SchemaTooNewError(from, migrations.length);
    for (let v = from; v < migrations.length; v++) {
      await client.query(migrations[v].sql);
      await client.query('INSERT INTO advlab_schema (version, name) VALUES ($1, $2)', [v + 1, migrations[v].name]);
    }
    return { from, to: migrations.length };
  });
}

/** The schema version recorded in the database (0 before the first migration). */
export async function postgresSchemaVersion(pool: Pool): Promise<number> {
  const exists = await pool.query<{ table: string | null }>(`SELECT to_regclass('advlab_schema')::text AS table`);
  if (!exists.rows[0]?.table) return 0;
  const { rows } = await pool.query<{ version: number | null }>('SELECT MAX(version) AS version FROM advlab_schema');
  return rows[0]?.version ?? 0;
}
