import * as grpc from '@grpc/grpc-js';
import { AttackStreamServiceClient, clientCredentials, connectionFromEnv, ServerInfoServiceClient, TrainerServiceClient, health } from '@advlab/contract';
import { DASHBOARD_SERVICES, loadDashboardEnv } from './config';

const MIB = 1024 * 1024;

/** Channel options shared by every dashboard client: room for image payloads, quick reconnects. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 64 * MIB,
  'grpc.max_send_message_length': 64 * MIB,
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 5_000,
};

type ClientConstructor<T> = new (address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>) => T;

interface ClientCache {
  clients: Map<string, grpc.Client>;
}

const CACHE_KEY = Symbol.for('advlab.dashboard.grpcClients');

function cache(): ClientCache {
  const holder = globalThis as typeof globalThis & { [CACHE_KEY]?: ClientCache };
  holder[CACHE_KEY] ??= { clients: new Map() };
  return holder[CACHE_KEY];
}

function cachedClient<T extends grpc.Client>(kind: string, ctor: ClientConstructor<T>, address: string): T {
  const key = `${kind}@${address}`;
  const clients = cache().clients;
  let client = clients.get(key) as T | undefined;
  if (!client) {
    // The services' token and TLS trust root (ADVLAB_TOKEN, ADVLAB_TLS_CA or ADVLAB_TLS_CERT): the dashboard forwards the token on every call.
    const { credentials, options } = clientCredentials(connectionFromEnv(), CHANNEL_OPTIONS);
    client = new ctor(address, credentials, options);
    clients.set(key, client);
  }
  return client;
}

/** A `grpc.health.v1.Health` client for `address`, created once and reused. */
export function getHealthClient(address: string): health.HealthClient {
  return cachedClient('health', health.HealthClient, address);
}

/** An `advlab.v1.ServerInfoService` client for `address`, created once and reused. */
export function getServerInfoClient(address: string): ServerInfoServiceClient {
  return cachedClient('server-info', ServerInfoServiceClient, address);
}

/** The trainer's client, at `ADVLAB_TRAINER_ADDR`. */
export function getTrainerClient(env: NodeJS.ProcessEnv = process.env): TrainerServiceClient {
  return cachedClient(DASHBOARD_SERVICES[0].grpcService, TrainerServiceClient, loadDashboardEnv(env).ADVLAB_TRAINER_ADDR);
}

/** The attack server's client, at `ADVLAB_ATTACK_ADDR`. */
export function getAttackStreamClient(env: NodeJS.ProcessEnv = process.env): AttackStreamServiceClient {
  return cachedClient(DASHBOARD_SERVICES[1].grpcService, AttackStreamServiceClient, loadDashboardEnv(env).ADVLAB_ATTACK_ADDR);
}

/** Closes every cached client (tests, shutdown). */
export function closeClients(): void {
  const clients = cache().clients;
  for (const client of clients.values()) client.close();
  clients.clear();
}
