import { Run, RunKind, RunStatus } from '@advlab/contract';
import { Pool } from 'pg';
import { postgresAvailable, startPostgres, usingExistingPostgres, type TestPostgres } from '../../testing/postgres';
import { describeRegistryStore } from '../conformance';
import { MIGRATIONS, openPostgres, PG_SCHEMA_VERSION, postgresSchemaVersion, SchemaTooNewError, type PostgresDatabase } from './index';

// One throwaway cluster for this file (or a fresh database on ADVLAB_TEST_DATABASE_URL's server).
const describePg = postgresAvailable() ? describe : describe.skip;
let pg: TestPostgres;

/** Quiet pools: tests that cut connections check the errors themselves. */
const quiet = { onConnectionError: () => undefined };

describePg('PostgreSQL registry', () => {
  beforeAll(async () => {
    pg = await startPostgres();
    // Startup time, for the record (initdb + pg_ctl start + CREATE DATABASE).
    console.log(`PostgreSQL test database ready in ${pg.startupMs} ms`);
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  describeRegistryStore('postgres', async () => {
    const db = await openPostgres(pg.url, quiet);
    return {
      db,
      blobs: db.blobs('checkpoints'),
      reset: async () => {
        await db.pool.query('TRUNCATE run_events, runs, models, datasets, blobs, blob_heads, workers, run_leases, run_cancels');
      },
      close: () => db.close(),
    };
  });

  describe('schema', () => {
    it('applies each migration once, recording its version, even when two processes open a new database together', async () => {
      const url = await pg.createDatabase();
      const opened = await Promise.all([1, 2, 3].map(() => openPostgres(url, quiet)));
      try {
        const { rows } = await opened[0].pool.query<{ version: number; name: string; applied_at: Date }>(
          'SELECT version, name, applied_at FROM advlab_schema ORDER BY version',
        );
        expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
        expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
        expect(rows.every((r) => r.applied_at instanceof Date)).toBe(true);
        expect(await postgresSchemaVersion(opened[0].pool)).toBe(PG_SCHEMA_VERSION);
        // Opening again changes nothing.
        const again = await openPostgres(url, quiet);
        await again.close();
        expect((await opened[1].pool.query('SELECT COUNT(*)::int AS n FROM advlab_schema')).rows[0].n).toBe(PG_SCHEMA_VERSION);
      } finally {
        await Promise.all(opened.map((db) => db.close()));
      }
    });

    it('applies later migrations to a database at an older version', async () => {
      const url = await pg.createDatabase();
      const first = await openPostgres(url, quiet);
      await first.close();
      const extended = [...MIGRATIONS, { name: 'a later step', sql: 'CREATE TABLE later_step (id INTEGER PRIMARY KEY)' }];
      const db = await openPostgres(url, { ...quiet, migrations: extended });
      try {
        expect(await postgresSchemaVersion(db.pool)).toBe(PG_SCHEMA_VERSION + 1);
        expect((await db.pool.query('SELECT COUNT(*)::int AS n FROM later_step')).rows[0].n).toBe(0);
      } finally {
        await db.close();
      }
    });

    it('refuses a database migrated by a newer advlab, changing nothing', async () => {
      const url = await pg.createDatabase();
      const db = await openPostgres(url, quiet);
      await db.pool.query(`INSERT INTO advlab_schema (version, name) VALUES ($1, 'from the future')`, [PG_SCHEMA_VERSION + 1]);
      await db.close();
      const opening = openPostgres(url, quiet);
      await expect(opening).rejects.toThrow(SchemaTooNewError);
      await expect(opening).rejects.toThrow(`schema version ${PG_SCHEMA_VERSION + 1}, newer than this advlab (${PG_SCHEMA_VERSION})`);
      const check = new Pool({ connectionString: url });
      try {
        expect(await postgresSchemaVersion(check)).toBe(PG_SCHEMA_VERSION + 1);
      } finally {
        await check.end();
      }
    });

    it('fails to open when no server answers', async () => {
      const url = pg.url.replace(/:\d+\//, ':1/');
      await expect(openPostgres(url, quiet)).rejects.toThrow();
    });
  });

  describe('blobs', () => {
    let db: PostgresDatabase;
    beforeAll(async () => {
      db = await openPostgres(pg.url, quiet);
    });
    afterAll(async () => {
      await db.close();
    });

    it('keeps namespaces apart', async () => {
      await db.blobs('checkpoints').put('same-key', Buffer.from('weights'));
      await db.blobs('datasets').put('same-key', Buffer.from('pixels'));
      expect(db.blobs('checkpoints')).toBe(db.blobs('checkpoints'));
      expect((await db.blobs('checkpoints').get('same-key'))?.toString()).toBe('weights');
      expect((await db.blobs('datasets').get('same-key'))?.toString()).toBe('pixels');
      await db.blobs('datasets').delete('same-key');
      expect(await db.blobs('datasets').list('same')).toEqual([]);
      expect(await db.blobs('checkpoints').list('same')).toEqual(['same-key']);
    });

    it('stores 1 MiB chunks and replaces them all', async () => {
      const blobs = db.blobs('datasets');
      const rows = async () =>
        (
          await db.pool.query<{ chunks: number; size: string; stored: number }>(
            `SELECT h.chunks, h.size, (SELECT COUNT(*)::int FROM blobs b WHERE b.namespace = h.namespace AND b.key = h.key) AS stored
               FROM blob_heads h WHERE namespace = 'datasets' AND key = 'chunked'`,
          )
        ).rows[0];
      await blobs.put('chunked', Buffer.alloc(3.5 * 1024 * 1024, 7));
      expect(await rows()).toEqual({ chunks: 4, size: String(3.5 * 1024 * 1024), stored: 4 });
      await blobs.put('chunked', Buffer.alloc(10, 1));
      expect(await rows()).toEqual({ chunks: 1, size: '10', stored: 1 });
      await blobs.delete('chunked');
      expect(await rows()).toBeUndefined();
      expect((await db.pool.query(`SELECT COUNT(*)::int AS n FROM blobs WHERE key = 'chunked'`)).rows[0].n).toBe(0);
    });
  });

  // Needs the throwaway cluster's pg_ctl; an existing server is never stopped.
  (usingExistingPostgres() ? describe.skip : describe)('connection loss', () => {
    it('survives the server stopping: queries fail while it is down and work once it is back', async () => {
      const errors: Error[] = [];
      const db = await openPostgres(pg.url, { onConnectionError: (err) => errors.push(err), readRetry: { retries: 1, delayMs: 50 } });
      try {
        const run = Run.fromPartial({ id: 'run-outage', kind: RunKind.RUN_KIND_TRAIN, status: RunStatus.RUN_STATUS_RUNNING, datasetId: 'ds', createdAt: new Date(1) });
        await db.runs.insert(run);
        // Several idle connections in the pool when the server goes away.
        await Promise.all([1, 2, 3].map(() => db.pool.query('SELECT pg_sleep(0.05)')));
        expect(db.pool.idleCount).toBeGreaterThan(1);

        await pg.server?.halt();
        await new Promise((resolve) => setTimeout(resolve, 100));
        // The idle connections' errors reached the pool's listener instead of crashing the process.
        expect(errors.length).toBeGreaterThan(0);
        await expect(db.runs.get('run-outage')).rejects.toThrow();
        await expect(db.runs.update({ ...run, status: RunStatus.RUN_STATUS_SUCCEEDED })).rejects.toThrow();
        await expect(db.blobs('checkpoints').put('during-outage', Buffer.from('x'))).rejects.toThrow();

        await pg.server?.resume();
        expect(await db.runs.get('run-outage')).toEqual(run);
        await db.runs.update({ ...run, status: RunStatus.RUN_STATUS_SUCCEEDED });
        expect((await db.runs.get('run-outage'))?.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
        await db.blobs('checkpoints').put('after-outage', Buffer.from('y'));
        expect((await db.blobs('checkpoints').get('after-outage'))?.toString()).toBe('y');
      } finally {
        await db.close();
      }
    }, 60_000);
  });
});
