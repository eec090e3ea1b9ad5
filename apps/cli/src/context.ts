import { ServiceClients, type Env } from './client';

/** Where a command writes: process.stdout / process.stderr, or a buffer in tests. */
export interface Writer {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything a command touches outside itself, so tests can run commands in-process. */
export interface CliContext {
  stdout: Writer;
  stderr: Writer;
  env: Env;
  /** Directory relative paths are resolved against. */
  cwd: string;
  clients: ServiceClients;
  /** Calls `handler` on Ctrl-C until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

/** The context of the real command: process streams, environment and SIGINT. */
export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clients: ServiceClients.fromEnv(process.env),
    onInterrupt(handler) {
      process.once('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}
