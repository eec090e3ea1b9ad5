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
  /**
   * Environment for a restart, given the first start's ready match: e.g. the port a service
   * bound when asked for port 0, so that clients find it again. Default: the same as the first.
   */
  restartEnv?: (first: RegExpMatchArray | undefined) => NodeJS.ProcessEnv;
}

/** Where a supervised service stands. */
export type ServiceState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** A service's state as the supervisor reports it (and `npm start` writes for the dashboard). */
export interface ServiceStatus {
  name: string;
  state: ServiceState;
  /** Process id of the current (or last) process. */
  pid?: number;
  /** Restarts after unexpected exits so far. */
  restarts: number;
  /** How the last unexpected exit ended: an exit code or a signal name. */
  lastExit?: { code: number | string; at: string };
  /** When a restart is due (state `restarting`). */
  nextStartAt?: string;
  /** A sentence for people: why it is restarting, or why the supervisor gave up. */
  message?: string;
}

/** When and how often a crashed service is started again. */
export interface RestartPolicy {
  /** Wait before the first restart; doubled for each further crash in a row. Default 1 s. */
  initialDelayMs: number;
  /** Longest wait between restarts. Default 30 s. */
  maxDelayMs: number;
  /** Give up on a service that crashed this many times within `windowMs`. Default 5. */
  maxCrashes: number;
  /** Default 60 s. */
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, maxCrashes: 5, windowMs: 60_000 };

export interface SupervisorOptions {
  /** Time a service gets to stop after SIGTERM before SIGKILL. Default 15 s. */
  graceMs?: number;
  restart?: Partial<RestartPolicy>;
  /** Called with every service's status whenever one changes. */
  onChange?: (services: ServiceStatus[]) => void;
  /** Where supervisor messages go. Default console.error. */
  log?: (line: string) => void;
}

/** A service under supervision: its current process and status. */
export interface RunningService {
  spec: ServiceSpec;
  /** The current process (replaced on restart). */
  child: ChildProcess;
  /** Match of the ready pattern at the first start (when `ready` is a RegExp). */
  match?: RegExpMatchArray;
  /** Resolves with the exit code (or signal) of the current process. */
  exited: Promise<number | string>;
  status: ServiceStatus;
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

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Starts processes, prefixes their output with their name, restarts one that exits on its
 * own (with back-off, giving up after repeated crashes within a minute), and stops them all
 * together: SIGTERM, then SIGKILL after a grace period.
 */
export class Supervisor {
  private readonly services: RunningService[] = [];
  private stopping: Promise<void> | undefined;
  private readonly graceMs: number;
  private readonly policy: RestartPolicy;
  private readonly log: (line: string) => void;
  private readonly gaveUp = new Set<() => void>();

  constructor(private readonly options: SupervisorOptions = {}) {
    this.graceMs = options.graceMs ?? 15_000;
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.log = options.log ?? ((line) => console.error(line));
    // Never leave services behind if the supervisor itself dies.
    process.on('exit', () => {
      for (const s of this.services) if (alive(s.child)) signalGroup(s.child, 'SIGKILL');
    });
  }

  /** Every service's status, in start order. */
  statuses(): ServiceStatus[] {
    return this.services.map((s) => ({ ...s.status }));
  }

  /** Starts one service and resolves when it is ready; rejects if it exits or times out first. */
  async start(spec: ServiceSpec): Promise<RunningService> {
    const prefix = `${COLOURS[this.services.length % COLOURS.length]}${spec.name.padEnd(13)}\x1b[0m| `;
    const service = {
      spec,
      status: { name: spec.name, state: 'starting', restarts: 0 },
    } as RunningService;
    this.services.push(service);
    await this.launch(service, prefix, spec.env);
    this.watch(service, prefix, [], 0);
    return service;
  }

  /** Resolves once every started service has been given up on (none left running). */
  whenAllFailed(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.services.length && this.services.every((s) => s.status.state === 'failed')) resolve();
      };
      this.gaveUp.add(check);
      check();
    });
  }

  /** Stops every service (newest first); idempotent. Pending restarts are dropped. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of [...this.services].reverse()) {
        if (s.status.state === 'restarting' || s.status.state === 'failed') {
          this.setState(s, s.status.state === 'failed' ? 'failed' : 'stopped', {});
        }
        if (!alive(s.child)) continue;
        this.setState(s, 'stopping', {});
        signalGroup(s.child, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(s.child, 'SIGKILL'), this.graceMs);
        await s.exited;
        clearTimeout(timer);
        this.setState(s, 'stopped', {});
      }
    })();
    return this.stopping;
  }

  /** Spawns the service's process and waits for it to be ready. */
  private async launch(service: RunningService, prefix: string, env: NodeJS.ProcessEnv | undefined): Promise<void> {
    const { spec } = service;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C reaches only the supervisor,
      // which then stops each service once, in order.
      detached: true,
    });
    service.child = child;
    service.exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    this.setState(service, 'starting', { pid: child.pid });

    let output = '';
    let onOutput: ((text: string) => void) | undefined;
    const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
      const text = chunk.toString();
      // Only what readiness needs is kept, and only until then.
      if (onOutput) {
        output += text;
        onOutput(output);
      }
      for (const line of text.split('\n')) if (line.trim()) stream.write(prefix + line + '\n');
    };
    child.stdout?.on('data', relay(process.stdout));
    child.stderr?.on('data', relay(process.stderr));
    child.on('error', (err) => this.log(`${spec.name}: ${err.message}`));

    const timeoutMs = spec.readyTimeoutMs ?? 120_000;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => done(new Error(`${spec.name} was not ready after ${timeoutMs / 1000} s`)), timeoutMs);
      const done = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        onOutput = undefined;
        output = '';
        if (err) reject(err);
        else resolve();
      };
      void service.exited.then((code) => done(new Error(`${spec.name} exited (${code}) before it was ready`)));
      const ready = spec.ready;
      if (ready instanceof RegExp) {
        onOutput = (all) => {
          const match = all.match(ready);
          if (match) {
            service.match ??= match;
            done();
          }
        };
        onOutput(output);
      } else {
        const poll = async () => {
          while (!settled && alive(child)) {
            if (await ready().catch(() => false)) return done();
            await new Promise((r) => setTimeout(r, 500));
          }
        };
        void poll();
      }
    });
    this.setState(service, 'running', { message: undefined, nextStartAt: undefined });
  }

  /** Restarts the service whenever its process exits while the supervisor is not stopping. */
  private watch(service: RunningService, prefix: string, crashes: number[], inARow: number): void {
    const startedAt = Date.now();
    void service.exited.then(async (code) => {
      if (this.stopping) return;
      const now = Date.now();
      // A crash after a long healthy spell starts the back-off afresh.
      const streak = now - startedAt > this.policy.windowMs ? 1 : inARow + 1;
      const recent = [...crashes.filter((t) => now - t < this.policy.windowMs), now];
      const lastExit = { code, at: new Date(now).toISOString() };
      if (recent.length >= this.policy.maxCrashes) {
        const message = `${service.spec.name} exited ${recent.length} times within ${this.policy.windowMs / 1000} s (last: ${code}); not restarting it. Fix the cause shown above and start advlab again.`;
        this.setState(service, 'failed', { lastExit, message, nextStartAt: undefined });
        this.log(message);
        for (const check of this.gaveUp) check();
        return;
      }
      const delay = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (streak - 1));
      const message = `${service.spec.name} exited unexpectedly (${code}); restarting in ${(delay / 1000).toFixed(1)} s (restart ${service.status.restarts + 1})`;
      this.setState(service, 'restarting', { lastExit, message, nextStartAt: new Date(now + delay).toISOString(), restarts: service.status.restarts + 1 });
      this.log(message);
      await new Promise((r) => setTimeout(r, delay));
      if (this.stopping) return;
      const env = { ...service.spec.env, ...service.spec.restartEnv?.(service.match) };
      try {
        await this.launch(service, prefix, env);
        this.log(`${service.spec.name} is back (pid ${service.child.pid})`);
      } catch (err) {
        this.log(`${service.spec.name} did not come back: ${err instanceof Error ? err.message : String(err)}`);
        if (alive(service.child)) signalGroup(service.child, 'SIGKILL');
      }
      this.watch(service, prefix, recent, streak);
    });
  }

  private setState(service: RunningService, state: ServiceState, patch: Partial<ServiceStatus>): void {
    service.status = { ...service.status, ...patch, state };
    try {
      this.options.onChange?.(this.statuses());
    } catch (err) {
      this.log(`supervisor: could not report a status change: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
