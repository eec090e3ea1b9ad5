/**
 * advlab as a user runs it: `npm start` in a child process group, on free ports and a
 * temporary data directory, with clients for its services and ways to stop it (Ctrl-C) or
 * kill one of its processes.
 */
import {
  AttackStreamServiceClient,
  clientCredentials,
  health,
  promiseClient,
  ServerInfoServiceClient,
  TrainerServiceClient,
  ATTACK_STREAM_SERVICE_NAME,
  TRAINER_SERVICE_NAME,
  type ServerInfo,
} from '@advlab/contract';
import { freePort } from '@advlab/trainer-service/testing';
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const WORKSPACE = path.resolve(__dirname, '../../../..');

const MIB = 1024 * 1024;
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 64 * MIB,
  'grpc.max_send_message_length': 64 * MIB,
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1_000,
};

export type ServiceName = 'trainer' | 'attack';

/** A running `npm start` and what a test drives it with. */
export interface Advlab {
  /** The `npm` process; its process group holds npm, the supervisor and the services. */
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly trainerAddress: string;
  readonly attackAddress: string;
  readonly dashboardUrl: string;
  readonly trainer: TrainerServiceClient;
  readonly attack: AttackStreamServiceClient;
  /** Everything `npm start` printed so far. */
  output(): string;
  /** Resolves with npm's exit code once it exits. */
  readonly exited: Promise<number | string>;
  info(service: ServiceName): Promise<ServerInfo>;
  /** The gRPC health status of a service (`UNREACHABLE` when it does not answer). */
  health(service: ServiceName, deadlineMs?: number): Promise<string>;
  /** Ctrl-C: SIGINT to the foreground process group, as a terminal sends it. */
  interrupt(): void;
  /** Kills whatever is left (after a failed test). */
  kill(): void;
  /** Closes the clients. */
  close(): void;
}

export { freePort };

/** Whether this process runs as root, where file permissions do not stop reads. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export interface StartOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Run without the capabilities that let root read any file, so that a file with mode 000 is
   * unreadable to the services as it would be for a normal user (only matters as root).
   */
  asUnprivileged?: boolean;
  readyTimeoutMs?: number;
  /** How the test's own clients connect when the services run with TLS and a token. */
  tls?: { ca: string; token?: string };
}

/** Runs `npm start -- --no-build` (the dashboard built beforehand) and waits for "advlab is up". */
export async function startAdvlab(options: StartOptions): Promise<Advlab> {
  const [trainerPort, attackPort, dashboardPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    ADVLAB_DATA_DIR: options.dataDir,
    ADVLAB_TRAINER_PORT: String(trainerPort),
    ADVLAB_ATTACK_PORT: String(attackPort),
    ADVLAB_DASHBOARD_PORT: String(dashboardPort),
    ADVLAB_SKIP_FIRST_MODEL: '1',
    // The test's folders live next to the data directory.
    ADVLAB_IMPORT_ROOTS: path.dirname(options.dataDir),
    NEXT_TELEMETRY_DISABLED: '1',
    ...options.env,
  };
  const npm: [string, string[]] = ['npm', ['start', '--silent', '--', '--no-build']];
  const [command, args] =
    options.asUnprivileged && isRoot ? ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', ...npm.flat()]] : npm;
  const child = spawn(command as string, args as string[], { cwd: WORKSPACE, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  // 'close', not 'exit': the process can exit before its last output has been read from the pipes.
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    // Services run in process groups of their own: kill them by the ports' owners is not
    // possible portably, so they are found through the supervisor's status file.
    for (const pid of supervisedPids(options.dataDir)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };

  const until = Date.now() + (options.readyTimeoutMs ?? 180_000);
  while (!/advlab is up:/.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`npm start exited before it was up:\n${out}`);
    if (Date.now() > until) {
      kill();
      throw new Error(`npm start was not up in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const trainerAddress = /trainer \(gRPC\)\s+(\S+)/.exec(out)?.[1] as string;
  const attackAddress = /attack server \(gRPC\)\s+(\S+)/.exec(out)?.[1] as string;
  const dashboardUrl = (/dashboard\s+(http\S+)/.exec(out)?.[1] as string).replace(/\/$/, '');
  const { credentials, options: clientOptions } = clientCredentials(
    options.tls ? { tlsCa: fs.readFileSync(options.tls.ca), token: options.tls.token } : {},
    CHANNEL_OPTIONS,
  );
  const trainer = new TrainerServiceClient(trainerAddress, credentials, clientOptions);
  const attack = new AttackStreamServiceClient(attackAddress, credentials, clientOptions);
  const addressOf = (s: ServiceName) => (s === 'trainer' ? trainerAddress : attackAddress);
  const infoClients = { trainer: new ServerInfoServiceClient(trainerAddress, credentials, clientOptions), attack: new ServerInfoServiceClient(attackAddress, credentials, clientOptions) };
  const healthClients = { trainer: new health.HealthClient(trainerAddress, credentials, clientOptions), attack: new health.HealthClient(attackAddress, credentials, clientOptions) };

  return {
    child,
    dataDir: options.dataDir,
    trainerAddress,
    attackAddress,
    dashboardUrl,
    trainer,
    attack,
    output: () => out,
    exited,
    info: async (service) => {
      const { info } = await promiseClient(infoClients[service]).getServerInfo({}, undefined, { deadline: Date.now() + 5_000 });
      if (!info) throw new Error(`${addressOf(service)} answered GetServerInfo without info`);
      return info;
    },
    health: (service, deadlineMs = 2_000) =>
      new Promise((resolve) => {
        healthClients[service].check(
          { service: service === 'trainer' ? TRAINER_SERVICE_NAME : ATTACK_STREAM_SERVICE_NAME },
          new grpc.Metadata(),
          { deadline: Date.now() + deadlineMs },
          (err, res) => resolve(err ? 'UNREACHABLE' : health.HealthCheckResponse_ServingStatus[res.status]),
        );
      }),
    interrupt: () => {
      if (child.pid) process.kill(-child.pid, 'SIGINT');
    },
    kill,
    close: () => {
      for (const c of [trainer, attack, infoClients.trainer, infoClients.attack, healthClients.trainer, healthClients.attack]) c.close();
    },
  };
}

/** Process ids the supervisor last reported for its services. */
export function supervisedPids(dataDir: string): number[] {
  try {
    const status = JSON.parse(fs.readFileSync(path.join(dataDir, 'supervisor.json'), 'utf8')) as { services: Array<{ pid?: number }> };
    return status.services.map((s) => s.pid).filter((p): p is number => typeof p === 'number');
  } catch {
    return [];
  }
}

/** Polls `condition` until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(condition()).catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
