/**
 * Throwaway PostgreSQL servers for tests: a fresh cluster in a temporary
 * folder (initdb + pg_ctl, fsync off, trust auth on 127.0.0.1 only), or a
 * fresh database on an existing server named by ADVLAB_TEST_DATABASE_URL.
 * Never imported by production code.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/** Environment variable naming an existing server to test against instead of a throwaway cluster. */
export const TEST_DATABASE_URL_ENV = 'ADVLAB_TEST_DATABASE_URL';

export interface TestPostgres {
  /** URL of the empty database `advlab_test` (or `advlab_test_<random>` on an existing server). */
  url: string;
  /** Creates another empty database on the same server and returns its URL (dropped by `stop`). */
  createDatabase(): Promise<string>;
  /** Stops the server and removes its folder (or drops the databases made on an existing server). */
  stop(): Promise<void>;
  /**
   * The throwaway cluster's own server, to simulate an outage: `halt` stops it
   * (`pg_ctl stop -m fast`, connections are cut), `resume` starts it again on the
   * same port. Undefined on an existing server.
   */
  server?: { halt(): Promise<void>; resume(): Promise<void> };
  /** Milliseconds spent starting the cluster (initdb + start + create database), or creating the database. */
  startupMs: number;
}

/** Whether tests use an existing server (ADVLAB_TEST_DATABASE_URL) rather than a throwaway cluster. */
export function usingExistingPostgres(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env[TEST_DATABASE_URL_ENV]);
}

/**
 * The folder holding `initdb` and `pg_ctl`: on PATH, or the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian keeps them there); undefined when
 * PostgreSQL's server is not installed.
 */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const has = (dir: string) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'));
  for (const dir of (env.PATH ?? '').split(path.delimiter)) if (dir && has(dir)) return dir;
  const debian = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(debian);
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.map((v) => path.join(debian, v, 'bin')).find(has);
}

/** Whether `startPostgres` can run here: ADVLAB_TEST_DATABASE_URL is set, or initdb and pg_ctl are installed. */
export function postgresAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return usingExistingPostgres(env) || findPostgresBin(env) !== undefined;
}

/**
 * A PostgreSQL server for one test file: call in `beforeAll`, `stop` in
 * `afterAll`. Each jest worker starts its own cluster on a free port, so test
 * files run in parallel without sharing state. With ADVLAB_TEST_DATABASE_URL
 * set, creates a fresh database on that server instead.
 */
export async function startPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const existing = env[TEST_DATABASE_URL_ENV];
  return existing ? onExistingServer(existing) : startCluster(env);
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

const randomName = () => `advlab_test_${randomBytes(5).toString('hex')}`;

async function admin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropDatabase(url: string, name: string): Promise<void> {
  await admin(url, async (client) => {
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    await client.query(`DROP DATABASE IF EXISTS "${name}"`);
  });
}

async function onExistingServer(url: string): Promise<TestPostgres> {
  const started = Date.now();
  const made: string[] = [];
  const createDatabase = async () => {
    const name = randomName();
    await admin(url, (client) => client.query(`CREATE DATABASE "${name}"`));
    made.push(name);
    return withDatabase(url, name);
  };
  const first = await createDatabase();
  return {
    url: first,
    createDatabase,
    startupMs: Date.now() - started,
    async stop() {
      for (const name of made.splice(0)) await dropDatabase(url, name);
    },
  };
}

// ---------------------------------------------------------------------------
// Throwaway clusters

interface Cluster {
  dir: string;
  bin: string;
  asPostgres: boolean;
  stopped: boolean;
}

/**
 * A small shell process that waits for this process to end and then stops the
 * cluster and removes its folder, for test files that crash (or are killed)
 * before calling `stop`; it exits by itself once `stop` has removed the folder.
 * (An `exit` listener would not do: jest gives test files a copy of `process`.)
 */
function watchOver(cluster: Cluster): void {
  const script = `
    parent=$1; dir=$2; shift 2
    while kill -0 "$parent" 2>/dev/null && [ -d "$dir/data" ]; do sleep 1; done
    if [ -d "$dir/data" ]; then "$@" >/dev/null 2>&1; fi
    rm -rf "$dir"`;
  const [file, args] = command(cluster, 'pg_ctl', ['-D', path.join(cluster.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  spawn('sh', ['-c', script, 'advlab-pg-watchdog', String(process.pid), cluster.dir, file, ...args], { detached: true, stdio: 'ignore' }).unref();
}

const isRoot = () => process.getuid?.() === 0;

/** The command line running `tool` of the cluster's bin folder, as the `postgres` user when we are root (PostgreSQL refuses to run as root). */
function command(cluster: Pick<Cluster, 'bin' | 'asPostgres'>, tool: string, args: string[]): [string, string[]] {
  const exe = path.join(cluster.bin, tool);
  if (!cluster.asPostgres) return [exe, args];
  if (fs.existsSync('/usr/sbin/runuser') || fs.existsSync('/sbin/runuser')) return ['runuser', ['-u', 'postgres', '--', exe, ...args]];
  const quoted = [exe, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}

function run(cluster: Cluster, tool: string, args: string[]): Promise<string> {
  const [file, argv] = command(cluster, tool, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd: cluster.dir, env: { ...process.env, LC_ALL: 'C', LANG: 'C' }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function postgresUid(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('running as root, but there is no "postgres" user to run the test cluster as (install Debian\'s postgresql package)');
  }
}

async function startCluster(env: NodeJS.ProcessEnv): Promise<TestPostgres> {
  const bin = findPostgresBin(env);
  if (!bin) throw new Error(`PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); install it or set ${TEST_DATABASE_URL_ENV}`);
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-pg-'));
  const cluster: Cluster = { dir, bin, asPostgres: isRoot(), stopped: false };
  if (cluster.asPostgres) {
    const { uid, gid } = postgresUid();
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  let port = 0;
  const startServer = async () => {
    await run(cluster, 'pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'postgres.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${dir}' -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      'start',
    ]);
  };
  try {
    await run(cluster, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    watchOver(cluster);
    // Another process may take the port between our probe and the server's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await startServer();
        break;
      } catch (err) {
        if (attempt === 3) {
          const log = fs.existsSync(path.join(dir, 'postgres.log')) ? fs.readFileSync(path.join(dir, 'postgres.log'), 'utf8') : '';
          throw new Error(`${(err as Error).message}\n${log.slice(-2000)}`);
        }
      }
    }
    const server = `postgres://postgres@127.0.0.1:${port}`;
    // Like most servers, and unlike the cluster's C locale, sort text in a natural language's order
    // (ICU, PostgreSQL 15+), so that code relying on byte order shows up in tests.
    const createDatabase = async (name = randomName()) => {
      await admin(`${server}/postgres`, async (client) => {
        try {
          await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`);
        } catch {
          await client.query(`CREATE DATABASE "${name}"`);
        }
      });
      return `${server}/${name}`;
    };
    const url = await createDatabase('advlab_test');
    const stop = async () => {
      if (cluster.stopped) return;
      cluster.stopped = true;
      await run(cluster, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    };
    return {
      url,
      createDatabase: () => createDatabase(),
      stop,
      startupMs: Date.now() - started,
      server: {
        halt: async () => {
          await run(cluster, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
        },
        resume: startServer,
      },
    };
  } catch (err) {
    cluster.stopped = true;
    await run(cluster, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
