import { installProcessGuard, intFromEnv, listenConfigFromEnv, shutdownOnSignals, tlsFromEnv } from '@advlab/grpc-server';
import { WorkerRole } from '@advlab/contract';
import { databaseUrlFromEnv, defaultDataDir, defaultImportRoots } from '@advlab/registry';
import { startTrainerServer, TRAINER_DEFAULT_PORT } from '@advlab/trainer-service';
import * as path from 'node:path';

const ROLES: Record<string, WorkerRole> = { api: WorkerRole.WORKER_ROLE_API, worker: WorkerRole.WORKER_ROLE_WORKER, all: WorkerRole.WORKER_ROLE_ALL };

/** ADVLAB_ROLE: api, worker or all (the default); api and worker need ADVLAB_DATABASE_URL. */
function roleFromEnv(env: NodeJS.ProcessEnv, databaseUrl: string | undefined): WorkerRole {
  const name = (env.ADVLAB_ROLE || 'all').trim().toLowerCase();
  const role = ROLES[name];
  if (role === undefined) throw new Error(`ADVLAB_ROLE must be api, worker or all, got "${env.ADVLAB_ROLE}"`);
  if (role !== WorkerRole.WORKER_ROLE_ALL && !databaseUrl) {
    throw new Error(`ADVLAB_ROLE=${name} shares work through PostgreSQL: set ADVLAB_DATABASE_URL (postgres://user:password@host:5432/db)`);
  }
  return role;
}

async function main(): Promise<void> {
  const env = process.env;
  const databaseUrl = databaseUrlFromEnv(env);
  const role = roleFromEnv(env, databaseUrl);
  const { host, port } = listenConfigFromEnv('ADVLAB_TRAINER', TRAINER_DEFAULT_PORT);
  const dataDir = defaultDataDir();
  const importRoots = env.ADVLAB_IMPORT_ROOTS?.trim() ? env.ADVLAB_IMPORT_ROOTS.split(path.delimiter).filter(Boolean) : defaultImportRoots(dataDir);
  const server = await startTrainerServer({
    dataDir,
    host,
    port,
    concurrency: intFromEnv('ADVLAB_TRAINER_CONCURRENCY', 1, 1),
    maxQueuedRuns: intFromEnv('ADVLAB_MAX_QUEUED_RUNS', 32, 0),
    evaluation: { concurrency: intFromEnv('ADVLAB_EVAL_CONCURRENCY', 2, 1), maxWaiting: intFromEnv('ADVLAB_EVAL_QUEUE', 8, 0) },
    role,
    cluster: { leaseMs: intFromEnv('ADVLAB_WORKER_LEASE_MS', 10_000, 500) },
    files: {
      databaseUrl,
      importRoots,
      maxPixels: intFromEnv('ADVLAB_MAX_PIXELS', 40_000_000, 1),
      fileLimits: {
        maxFiles: intFromEnv('ADVLAB_IMPORT_MAX_FILES', 200_000, 1),
        maxTotalBytes: intFromEnv('ADVLAB_IMPORT_MAX_BYTES', 20 * 1024 ** 3, 1),
      },
    },
    token: env.ADVLAB_TOKEN || undefined,
    tls: tlsFromEnv(),
  });
  // After the tensor backend has loaded: its handlers that rethrow rejections are replaced.
  installProcessGuard({ label: 'trainer', logger: console });
  console.info(`trainer listening on ${server.address}`);
  shutdownOnSignals([server], console);
}

main().catch((err: unknown) => {
  console.error('trainer failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
