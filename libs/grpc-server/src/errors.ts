import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

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

/**
 * Maps any thrown value to the ServiceError sent to the client: RpcError (and
 * any error with a numeric gRPC `code`) keeps its status and message;
 * everything else is INTERNAL and is reported through `onInternal` so the
 * server can log it.
 */
export function toServiceError(err: unknown, onInternal?: (err: unknown) => void): Partial<ServiceError> {
  if (isCodedError(err)) {
    return { code: err.code, details: err.message, metadata: new Metadata() };
  }
  onInternal?.(err);
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: `internal error: ${message}`, metadata: new Metadata() };
}
