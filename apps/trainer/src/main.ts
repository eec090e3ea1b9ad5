import { installProcessGuard, intFromEnv, listenConfigFromEnv, shutdownOnSignals, tlsFromEnv } from '@advlab/grpc-server';
import { defaultDataDir, defaultImportRoots } from '@advlab/registry';
import { startTrainerServer, TRAINER_DEFAULT_PORT } from '@advlab/trainer-service';
import * as path from 'node:path';

async function main(): Promise<void> {
  const env = process.env;
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
    files: {
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
