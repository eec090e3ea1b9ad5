import { installProcessGuard, listenConfigFromEnv, shutdownOnSignals } from '@advlab/grpc-server';
import { defaultDataDir } from '@advlab/registry';
import { startTrainerServer, TRAINER_DEFAULT_PORT } from '@advlab/trainer-service';

async function main(): Promise<void> {
  const { host, port } = listenConfigFromEnv('ADVLAB_TRAINER', TRAINER_DEFAULT_PORT);
  const concurrency = Number(process.env.ADVLAB_TRAINER_CONCURRENCY || 1);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`ADVLAB_TRAINER_CONCURRENCY must be an integer >= 1, got "${process.env.ADVLAB_TRAINER_CONCURRENCY}"`);
  }
  const server = await startTrainerServer({
    dataDir: defaultDataDir(),
    host,
    port,
    concurrency,
    token: process.env.ADVLAB_TOKEN || undefined,
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
