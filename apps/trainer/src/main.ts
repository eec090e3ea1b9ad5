import { listenConfigFromEnv, shutdownOnSignals } from '@advlab/grpc-server';
import { startTrainerServer, TRAINER_DEFAULT_PORT } from '@advlab/trainer-service';

async function main(): Promise<void> {
  const { host, port } = listenConfigFromEnv('ADVLAB_TRAINER', TRAINER_DEFAULT_PORT);
  const server = await startTrainerServer({ host, port, token: process.env.ADVLAB_TOKEN || undefined });
  console.info(`trainer listening on ${server.address}`);
  shutdownOnSignals([server], console);
}

main().catch((err: unknown) => {
  console.error('trainer failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
