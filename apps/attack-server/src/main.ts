import { ATTACK_SERVER_DEFAULT_PORT, startAttackServer } from '@advlab/attack-service';
import { installProcessGuard, intFromEnv, listenConfigFromEnv, shutdownOnSignals, tlsFromEnv } from '@advlab/grpc-server';
import { databaseUrlFromEnv, defaultDataDir } from '@advlab/registry';

async function main(): Promise<void> {
  const { host, port } = listenConfigFromEnv('ADVLAB_ATTACK', ATTACK_SERVER_DEFAULT_PORT);
  const maxConcurrentAttacks = intFromEnv('ADVLAB_ATTACK_CONCURRENCY', 2, 1);
  const liveIdleTimeoutMs = 1000 * intFromEnv('ADVLAB_LIVE_IDLE_SECONDS', 60, 1);
  const server = await startAttackServer({
    dataDir: defaultDataDir(),
    host,
    port,
    maxConcurrentAttacks,
    liveIdleTimeoutMs,
    token: process.env.ADVLAB_TOKEN || undefined,
    tls: tlsFromEnv(),
    // Scaled out, models are read from the database the trainers share.
    files: { databaseUrl: databaseUrlFromEnv() },
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
