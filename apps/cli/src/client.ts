import { AttackStreamServiceClient, clientCredentials, connectionFromEnv, promiseClient, ServerInfoServiceClient, TrainerServiceClient, type ConnectionSettings, type PromiseClient, type ServerInfo } from '@advlab/contract';
import * as grpc from '@grpc/grpc-js';

/** Default addresses of the two services (what `npm start` binds). */
export const DEFAULT_TRAINER_ADDR = '127.0.0.1:50051';
export const DEFAULT_ATTACK_ADDR = '127.0.0.1:50052';

/** Deadline of quick calls (lists, gets, cancel), seconds. */
export const DEFAULT_DEADLINE_S = 30;

/** Large enough for an attack gallery's contact sheet or a chunk of predictions. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export type Env = Readonly<Record<string, string | undefined>>;

/** The service endpoints, the token and the TLS trust root, as the environment sets them. */
export interface Endpoints {
  trainer: string;
  attack: string;
  token?: string;
  /** Token and TLS settings (`ADVLAB_TOKEN`, `ADVLAB_TLS_CA`, `ADVLAB_TLS_SERVER_NAME`). */
  connection?: ConnectionSettings;
}

export function endpointsFromEnv(env: Env): Endpoints {
  const connection = connectionFromEnv(env);
  return {
    trainer: env.ADVLAB_TRAINER_ADDR || DEFAULT_TRAINER_ADDR,
    attack: env.ADVLAB_ATTACK_ADDR || DEFAULT_ATTACK_ADDR,
    token: connection.token,
    connection,
  };
}

/**
 * gRPC clients of the trainer and the attack server, created on first use.
 * Every call carries `authorization: Bearer <token>` when a token is set;
 * unary calls get a deadline, streams run until they end.
 */
export class ServiceClients {
  private trainerClient?: TrainerServiceClient;
  private attackClient?: AttackStreamServiceClient;

  constructor(readonly endpoints: Endpoints) {}

  static fromEnv(env: Env): ServiceClients {
    return new ServiceClients(endpointsFromEnv(env));
  }

  get trainer(): TrainerServiceClient {
    const { credentials, options } = this.channel();
    return (this.trainerClient ??= new TrainerServiceClient(this.endpoints.trainer, credentials, options));
  }

  get attack(): AttackStreamServiceClient {
    const { credentials, options } = this.channel();
    return (this.attackClient ??= new AttackStreamServiceClient(this.endpoints.attack, credentials, options));
  }

  /** What a service says about itself (GetServerInfo): version, tensor backend, memory, load, incidents. */
  async serverInfo(service: 'trainer' | 'attack', deadlineSeconds = DEFAULT_DEADLINE_S): Promise<ServerInfo> {
    const { credentials, options } = this.channel();
    const client = new ServerInfoServiceClient(service === 'trainer' ? this.endpoints.trainer : this.endpoints.attack, credentials, options);
    try {
      const { info } = await promiseClient(client).getServerInfo({}, this.metadata(), this.options(deadlineSeconds));
      if (!info) throw new Error(`the ${service} answered GetServerInfo without its info`);
      return info;
    } finally {
      client.close();
    }
  }

  /** TLS or plaintext, with the channel options; the token travels in `metadata()`. */
  private channel(): { credentials: grpc.ChannelCredentials; options: Partial<grpc.ClientOptions> } {
    return clientCredentials({ ...this.endpoints.connection, token: undefined }, channelOptions);
  }

  /** Call metadata: the bearer token when one is configured. */
  metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.endpoints.token) metadata.set('authorization', `Bearer ${this.endpoints.token}`);
    return metadata;
  }

  /** Call options with a deadline `seconds` from now; 0 = none. */
  options(seconds: number): Partial<grpc.CallOptions> {
    return seconds > 0 ? { deadline: new Date(Date.now() + seconds * 1000) } : {};
  }

  /**
   * The trainer's unary methods as promises, with the token and a deadline
   * (seconds; 0 = none) applied to each call.
   */
  trainerApi(deadlineSeconds = DEFAULT_DEADLINE_S): PromiseClient<TrainerServiceClient> {
    const api = promiseClient(this.trainer) as unknown as Record<PropertyKey, unknown>;
    return new Proxy(api, {
      get: (target, prop) => {
        const method = target[prop];
        if (typeof method !== 'function') return method;
        return (request: unknown) => (method as (r: unknown, m: grpc.Metadata, o: Partial<grpc.CallOptions>) => unknown)(request, this.metadata(), this.options(deadlineSeconds));
      },
    }) as unknown as PromiseClient<TrainerServiceClient>;
  }

  close(): void {
    this.trainerClient?.close();
    this.attackClient?.close();
  }
}

const channelOptions: Partial<grpc.ClientOptions> = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};
