import { ATTACK_SERVER_DEFAULT_PORT, startAttackServer } from '@advlab/attack-service';
import { installProcessGuard, listenConfigFromEnv, shutdownOnSignals } from '@advlab/grpc-server';
import { defaultDataDir } from '@advlab/registry';

async function main(): Promise<void> {
  const { host, port } = listenConfigFromEnv('ADVLAB_ATTACK', ATTACK_SERVER_DEFAULT_PORT);
  const maxConcurrentAttacks = Number(process.env.ADVLAB_ATTACK_CONCURRENCY || 2);
  if (!Number.isInteger(maxConcurrentAttacks) || maxConcurrentAttacks < 1) {
    throw new Error(`ADVLAB_ATTACK_CONCURRENCY must be an integer >= 1, got "${process.env.ADVLAB_ATTACK_CONCURRENCY}"`);
  }
  const server = await startAttackServer({
    dataDir: defaultDataDir(),
    host,
    port,
    maxConcurrentAttacks,
    token: process.env.ADVLAB_TOKEN || undefined,
  });
  // After the tensor backend has loaded: its handlers that rethrow rejections are replaced.
  installProcessGuard({ label: 'attack-server', logger: console });
  console.info(`attack-server listening on ${server.address}`);
  shutdownOnSignals([server], console);
}

main().catch((err: unknown) => {
  console.error('attack-server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
