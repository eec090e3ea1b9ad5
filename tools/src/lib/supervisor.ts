import { spawn, type ChildProcess } from 'node:child_process';

/** One long-running process the supervisor owns. */
export interface ServiceSpec {
  /** Short name shown in logs, e.g. "trainer". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Ready once this pattern appears in its output, or once `probe` resolves true. */
  ready: RegExp | (() => Promise<boolean>);
  /** How long to wait for readiness. Default 120 s. */
  readyTimeoutMs?: number;
}

export interface RunningService {
  spec: ServiceSpec;
  child: ChildProcess;
  /** Match of the ready pattern (when `ready` is a RegExp). */
  match?: RegExpMatchArray;
  exited: Promise<number | string>;
}

/** Signals a child's whole process group (it and anything it started). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

const COLOURS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];

/**
 * Starts processes, prefixes their output with their name, and stops them
 * all together: SIGTERM, then SIGKILL after a grace period.
 */
export class Supervisor {
  private readonly services: RunningService[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly graceMs = 15_000) {
    // Never leave services behind if the supervisor itself dies.
    process.on('exit', () => {
      for (const s of this.services) if (s.child.exitCode === null && s.child.signalCode === null) signalGroup(s.child, 'SIGKILL');
    });
  }

  /** Starts one service and resolves when it is ready; rejects if it exits or times out first. */
  async start(spec: ServiceSpec): Promise<RunningService> {
    const colour = COLOURS[this.services.length % COLOURS.length];
    const prefix = `${colour}${spec.name.padEnd(13)}\x1b[0m| `;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C reaches only the supervisor,
      // which then stops each service once, in order.
      detached: true,
    });
    const exited = new Promise<number | string>((resolve) =>
      child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
    );
    const running: RunningService = { spec, child, exited };
    this.services.push(running);

    let output = '';
    let onLine: ((text: string) => void) | undefined;
    const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      onLine?.(output);
      for (const line of text.split('\n')) if (line.trim()) stream.write(prefix + line + '\n');
    };
    child.stdout?.on('data', relay(process.stdout));
    child.stderr?.on('data', relay(process.stderr));

    const timeoutMs = spec.readyTimeoutMs ?? 120_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${spec.name} was not ready after ${timeoutMs / 1000} s`)), timeoutMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        onLine = undefined;
        if (err) reject(err);
        else resolve();
      };
      void exited.then((code) => done(new Error(`${spec.name} exited (${code}) before it was ready`)));
      const ready = spec.ready;
      if (ready instanceof RegExp) {
        onLine = (all) => {
          const match = all.match(ready);
          if (match) {
            running.match = match;
            done();
          }
        };
        onLine(output);
      } else {
        const poll = async () => {
          while (child.exitCode === null && child.signalCode === null) {
            if (await ready().catch(() => false)) return done();
            await new Promise((r) => setTimeout(r, 500));
          }
        };
        void poll();
      }
    });
    return running;
  }

  /** Resolves when any service exits on its own, with its name and code. */
  firstExit(): Promise<{ name: string; code: number | string }> {
    return Promise.race(this.services.map((s) => s.exited.then((code) => ({ name: s.spec.name, code }))));
  }

  /** Stops every service (newest first); idempotent. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of [...this.services].reverse()) {
        if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
        signalGroup(s.child, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(s.child, 'SIGKILL'), this.graceMs);
        await s.exited;
        clearTimeout(timer);
      }
    })();
    return this.stopping;
  }
}
