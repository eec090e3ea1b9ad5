/**
 * Helpers for the CLI's tests: run the advlab command in-process with
 * in-memory stdout/stderr, a given environment and a Ctrl-C you can press.
 * Never imported by the command itself.
 */
import { ServiceClients, type Env } from './client';
import type { CliContext, Writer } from './context';
import { main } from './main';

/** A writer that keeps what it is given. */
export function memoryWriter(isTTY = false): Writer & { text: () => string } {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 120,
    write: (chunk: string) => chunks.push(chunk),
    text: () => chunks.join(''),
  };
}

/** A Ctrl-C key for in-process runs. */
export class FakeInterrupt {
  private handlers = new Set<() => void>();
  listen = (handler: () => void) => {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  };
  press(): void {
    for (const h of [...this.handlers]) h();
  }
  get listening(): boolean {
    return this.handlers.size > 0;
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A run of the command whose output can be read while it goes on. */
export interface RunningCli {
  done: Promise<CliRun>;
  stdout: () => string;
  stderr: () => string;
}

/** Starts `advlab <argv>` in-process. */
export function startCli(argv: string[], opts: { env: Env; cwd?: string; interrupt?: FakeInterrupt }): RunningCli {
  const stdout = memoryWriter();
  const stderr = memoryWriter();
  const ctx: CliContext = {
    stdout,
    stderr,
    env: opts.env,
    cwd: opts.cwd ?? process.cwd(),
    clients: ServiceClients.fromEnv(opts.env),
    onInterrupt: opts.interrupt?.listen ?? (() => () => undefined),
  };
  const done = main(argv, ctx).then((code) => ({ code, stdout: stdout.text(), stderr: stderr.text() }));
  return { done, stdout: stdout.text, stderr: stderr.text };
}

/** Runs `advlab <argv>` in-process to its end. */
export function runCli(argv: string[], opts: { env: Env; cwd?: string; interrupt?: FakeInterrupt }): Promise<CliRun> {
  return startCli(argv, opts).done;
}

/** Waits until `check` holds, polling. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
