import { newIncidentId } from './errors';
import type { Logger } from './server';

/** One unexpected failure the guard caught, as logged and as reported by GetServerInfo. */
export interface Incident {
  /** Short random id, printed in the log line and returned to whoever asks, e.g. `inc-3f9a1c2b`. */
  readonly id: string;
  readonly kind: 'unhandled-rejection' | 'uncaught-exception';
  readonly at: Date;
  /** First line of the error's message. */
  readonly message: string;
}

/** What the guard has seen since it was installed. */
export interface ProcessIncidents {
  /** Rejected promises nobody handled; each was logged and the process went on. */
  readonly unhandledRejections: number;
  /** The most recent incident, if any. */
  readonly last?: Incident;
}

/** Options of {@link installProcessGuard}. */
export interface ProcessGuardOptions {
  /** Service name for log lines, e.g. "trainer". */
  readonly label: string;
  readonly logger?: Logger;
  /** Exit code after an uncaught exception. Default 70 (EX_SOFTWARE). */
  readonly exitCode?: number;
  /** How the process exits; tests replace it. Default `process.exit`. */
  readonly exit?: (code: number) => void;
}

/** A guard in place: its counters, and `uninstall` for tests. */
export interface ProcessGuard {
  incidents(): ProcessIncidents;
  uninstall(): void;
}

const EVENTS = ['unhandledRejection', 'uncaughtException'] as const;

/** Exit code of a service stopped by an uncaught exception (sysexits' EX_SOFTWARE). */
export const UNCAUGHT_EXCEPTION_EXIT_CODE = 70;

let current: { guard: ProcessGuard; counts: { rejections: number; last?: Incident } } | undefined;

/**
 * Owns the process-wide `unhandledRejection` and `uncaughtException` events of a service.
 *
 * Install it after the tensor backend has loaded: the WebAssembly backend's Emscripten glue
 * registers handlers that rethrow both, so that any promise rejected with nobody waiting
 * on it, anywhere, would end the service. The guard removes those handlers (and any
 * registered later, with a warning) and puts its own in their place:
 *
 * - an unhandled rejection is logged with its stack and an incident id, counted (see
 *   {@link processIncidents}), and the process goes on: it was a promise somebody forgot,
 *   not corrupt state;
 * - an uncaught exception is logged with its incident id and the process exits with
 *   {@link UNCAUGHT_EXCEPTION_EXIT_CODE}: its state may be corrupt, and `npm start`'s
 *   supervisor restarts it.
 *
 * Installing twice returns the guard already in place.
 */
export function installProcessGuard(options: ProcessGuardOptions): ProcessGuard {
  if (current) return current.guard;
  const logger = options.logger ?? console;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const exitCode = options.exitCode ?? UNCAUGHT_EXCEPTION_EXIT_CODE;
  const counts: { rejections: number; last?: Incident } = { rejections: 0 };

  const record = (kind: Incident['kind'], reason: unknown): Incident => {
    const incident: Incident = { id: newIncidentId(), kind, at: new Date(), message: firstLine(reason) };
    counts.last = incident;
    return incident;
  };
  const onRejection = (reason: unknown) => {
    counts.rejections++;
    const incident = record('unhandled-rejection', reason);
    logger.error(`${options.label}: incident ${incident.id}: unhandled promise rejection (the service goes on): ${describe(reason)}`);
  };
  let exiting = false;
  const onException = (err: unknown) => {
    const incident = record('uncaught-exception', err);
    logger.error(`${options.label}: incident ${incident.id}: uncaught exception, exiting with code ${exitCode}: ${describe(err)}`);
    if (exiting) return;
    exiting = true;
    exit(exitCode);
  };
  const ours = new Set<unknown>([onRejection, onException]);

  // Whatever was registered before (the Emscripten glue's rethrowing handlers) goes.
  for (const event of EVENTS) process.removeAllListeners(event);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);

  // Anything registering on these events later (a backend loaded afterwards) is taken off again.
  const onNewListener = (event: string | symbol, listener: (...args: unknown[]) => void) => {
    if (!(EVENTS as readonly (string | symbol)[]).includes(event) || ours.has(listener)) return;
    queueMicrotask(() => {
      process.removeListener(event, listener);
      logger.warn(`${options.label}: removed a process '${String(event)}' handler registered by a library; the process guard handles that event`);
    });
  };
  process.on('newListener', onNewListener);

  const guard: ProcessGuard = {
    incidents: () => ({ unhandledRejections: counts.rejections, last: counts.last }),
    uninstall: () => {
      process.removeListener('newListener', onNewListener);
      process.removeListener('unhandledRejection', onRejection);
      process.removeListener('uncaughtException', onException);
      current = undefined;
    },
  };
  current = { guard, counts };
  return guard;
}

/** The installed guard's counters; zero when no guard is installed (e.g. under jest). */
export function processIncidents(): ProcessIncidents {
  return current ? current.guard.incidents() : { unhandledRejections: 0 };
}

function firstLine(reason: unknown): string {
  const message = reason instanceof Error ? reason.message : String(reason);
  return message.split('\n')[0].slice(0, 300);
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? `${reason.name}: ${reason.message}`;
  return String(reason);
}
