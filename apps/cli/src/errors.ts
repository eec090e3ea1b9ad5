import { status, type ServiceError } from '@grpc/grpc-js';

/** Exit codes of the advlab command. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The run or operation failed, was cancelled, or the service failed. */
  failed: 1,
  /** Bad usage or an invalid argument (also the service's INVALID_ARGUMENT / NOT_FOUND). */
  usage: 2,
  /** The service could not be reached. */
  unreachable: 3,
  /** Ctrl-C: the command stopped waiting (a run goes on on the server). */
  interrupted: 130,
} as const;

/** A mistake in the command line or its arguments. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An operation that ended without success: a failed or cancelled run, unreadable files. */
export class OperationFailed extends Error {
  override readonly name = 'OperationFailed';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as ServiceError).code === 'number' && 'details' in err;
}

/** What the user sees for an error, and the exit code it maps to. */
export interface ErrorReport {
  exitCode: number;
  /** gRPC status name, or USAGE / FAILED / INTERNAL. */
  code: string;
  message: string;
  hint?: string;
}

const USAGE_CODES = new Set<number>([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.ALREADY_EXISTS,
  status.OUT_OF_RANGE,
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
]);

/** The useful part of grpc-js's connection error: "connect ECONNREFUSED 127.0.0.1:50051". */
function connectionProblem(details: string): string {
  const last = /Last error: (?:Error: )?(.*?)\.?(?: Resolution note:.*)?$/s.exec(details);
  return (last?.[1] || details).trim();
}

/** Maps anything a command throws to a readable message and an exit code. */
export function reportError(err: unknown, service: { name: string; address: string }): ErrorReport {
  if (err instanceof UsageError) return { exitCode: EXIT.usage, code: 'USAGE', message: err.message };
  if (err instanceof OperationFailed) return { exitCode: err.exitCode, code: 'FAILED', message: err.message };
  if (isServiceError(err)) {
    const code = status[err.code] ?? String(err.code);
    const details = err.details || err.message;
    if (err.code === status.UNAVAILABLE) {
      return {
        exitCode: EXIT.unreachable,
        code,
        message: `cannot reach the ${service.name} at ${service.address} (${connectionProblem(details)})`,
        hint: `start the services with \`npm start\` (from the advlab repository), or point ${service.name === 'attack server' ? 'ADVLAB_ATTACK_ADDR' : 'ADVLAB_TRAINER_ADDR'} at a running one`,
      };
    }
    if (err.code === status.UNAUTHENTICATED) {
      return { exitCode: EXIT.usage, code, message: details, hint: 'set ADVLAB_TOKEN to the token the service was started with' };
    }
    if (err.code === status.DEADLINE_EXCEEDED) {
      return { exitCode: EXIT.failed, code, message: `the ${service.name} did not answer in time (${details})`, hint: 'raise the limit with --timeout <seconds>' };
    }
    if (err.code === status.UNIMPLEMENTED) {
      return { exitCode: EXIT.failed, code, message: `the ${service.name} at ${service.address} does not support this yet: ${details}` };
    }
    return { exitCode: USAGE_CODES.has(err.code) ? EXIT.usage : EXIT.failed, code, message: details };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { exitCode: EXIT.failed, code: 'INTERNAL', message };
}
