/**
 * Trainer processes as an operator starts them (`node --import tsx apps/trainer/src/main.ts`
 * with ADVLAB_* variables), each in a process group of its own, for tests and benchmarks of
 * a scaled-out trainer: an api and workers over one PostgreSQL database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

const WORKSPACE = path.resolve(__dirname, '../../..');

/** A trainer process: its worker id, address and output. */
export interface TrainerProcess {
  readonly child: ChildProcess;
  /** The worker id it printed (`w-<host>-<pid>-<hex>`). */
  readonly id: string;
  readonly address: string;
  readonly pid: number;
  output(): string;
  /** Resolves with the exit code or signal once it has exited. */
  readonly exited: Promise<number | string>;
  /** SIGKILL to its process group (a crash: no clean-up runs). */
  kill(): void;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<number | string>;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `apps/trainer` with `env` (ADVLAB_ROLE, ADVLAB_DATABASE_URL, ADVLAB_DATA_DIR...) on a
 * free port and waits until it listens.
 */
export async function startTrainerProcess(env: NodeJS.ProcessEnv, readyTimeoutMs = 120_000): Promise<TrainerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(WORKSPACE, 'apps/trainer/src/main.ts')], {
    cwd: WORKSPACE,
    env: { ...process.env, ADVLAB_TRAINER_HOST: '127.0.0.1', ADVLAB_TRAINER_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const until = Date.now() + readyTimeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!/trainer listening on/.test(out)) {
    if (gone) throw new Error(`the trainer exited before listening:\n${out}`);
    if (Date.now() > until) {
      kill();
      throw new Error(`the trainer did not listen within ${readyTimeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const id = /trainer (w-\S+) \(/.exec(out)?.[1] ?? '';
  return {
    child,
    id,
    address: `127.0.0.1:${port}`,
    pid: child.pid as number,
    output: () => out,
    exited,
    kill,
    stop: async () => {
      try {
        child.kill('SIGTERM');
      } catch {
        // Already gone.
      }
      return exited;
    },
  };
}
