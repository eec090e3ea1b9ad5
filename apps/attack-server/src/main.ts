import { listenConfigFromEnv, shutdownOnSignals } from '@advlab/grpc-server';
import { ATTACK_SERVER_DEFAULT_PORT, startAttackServer } from '@advlab/attack-service';

async function main(): Promise<void> {
  const { host, port } = listenConfigFromEnv('ADVLAB_ATTACK', ATTACK_SERVER_DEFAULT_PORT);
  const server = await startAttackServer({ host, port, token: process.env.ADVLAB_TOKEN || undefined });
  console.info(`attack-server listening on ${server.address}`);
  shutdownOnSignals([server], console);
}

main().catch((err: unknown) => {
  console.error('attack-server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
