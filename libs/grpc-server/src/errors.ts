import { isDomainError, type ErrorKind } from '@advlab/config';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';

/**
 * An error that knows its gRPC status. Throw it from a handler to answer the
 * client with that status and message; anything else thrown becomes INTERNAL.
 */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const invalidArgument = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new RpcError(status.NOT_FOUND, message);
export const failedPrecondition = (message: string) => new RpcError(status.FAILED_PRECONDITION, message);
export const resourceExhausted = (message: string) => new RpcError(status.RESOURCE_EXHAUSTED, message);
export const unimplementedError = (message: string) => new RpcError(status.UNIMPLEMENTED, message);
export const unauthenticated = (message: string) => new RpcError(status.UNAUTHENTICATED, message);
export const permissionDenied = (message: string) => new RpcError(status.PERMISSION_DENIED, message);
export const deadlineExceeded = (message: string) => new RpcError(status.DEADLINE_EXCEEDED, message);

/** A short random id that ties a client's error to the server's log line, e.g. `inc-3f9a1c2b`. */
export function newIncidentId(): string {
  return `inc-${randomBytes(4).toString('hex')}`;
}

/** Anything carrying a numeric gRPC `code` that a lib chose on purpose. */
interface CodedError {
  code: status;
  message: string;
}

function isCodedError(err: unknown): err is CodedError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    (err as { code: number }).code in status &&
    typeof (err as { message?: unknown }).message === 'string'
  );
}

/** The status code of each kind of domain error (checks, data, storage): the one place they meet gRPC. */
const STATUS_OF_KIND: Record<ErrorKind, status> = {
  'invalid-argument': status.INVALID_ARGUMENT,
  'not-found': status.NOT_FOUND,
  'failed-precondition': status.FAILED_PRECONDITION,
  'permission-denied': status.PERMISSION_DENIED,
  'resource-exhausted': status.RESOURCE_EXHAUSTED,
  cancelled: status.CANCELLED,
};

/**
 * Maps any thrown value to the ServiceError sent to the client: RpcError (and
 * any error with a numeric gRPC `code`) keeps its status and message; a
 * domain error (a `kind` from `@advlab/config`) gets its kind's status;
 * everything else is INTERNAL with an incident id and no detail (messages of
 * unexpected errors can hold file paths and other server internals); the
 * error itself goes to `onInternal` with that id, for the server's log.
 */
export function toServiceError(err: unknown, onInternal?: (err: unknown, incidentId: string) => void): Partial<ServiceError> {
  if (isCodedError(err)) {
    return { code: err.code, details: err.message, metadata: new Metadata() };
  }
  if (isDomainError(err)) {
    return { code: STATUS_OF_KIND[err.kind], details: err.message, metadata: new Metadata() };
  }
  const incidentId = newIncidentId();
  onInternal?.(err, incidentId);
  return { code: status.INTERNAL, details: `internal error (incident ${incidentId}); the server's log has the details`, metadata: new Metadata() };
}
