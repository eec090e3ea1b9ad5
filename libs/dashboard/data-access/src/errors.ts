import { status as GrpcStatus } from '@grpc/grpc-js';

/** A failed call to a service, ready to show: what failed, why, and whether the RPC exists yet. */
export interface DashboardError {
  /** gRPC status name, e.g. "UNAVAILABLE", or "INTERNAL" for non-gRPC failures. */
  code: string;
  message: string;
  /** The service answered UNIMPLEMENTED: the feature is not available on this server yet. */
  unimplemented: boolean;
  /** The service could not be reached at all. */
  unreachable: boolean;
}

export type Loaded<T> = { ok: true; data: T } | { ok: false; error: DashboardError };

const grpcCode = (error: unknown): number | undefined => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
};

/** Turns anything thrown by a gRPC call into a `DashboardError`. */
export function toDashboardError(error: unknown): DashboardError {
  const code = grpcCode(error);
  const details = typeof error === 'object' && error !== null && typeof (error as { details?: unknown }).details === 'string' ? (error as { details: string }).details : '';
  const message = details || (error instanceof Error ? error.message : String(error));
  const name = code === undefined ? 'INTERNAL' : (GrpcStatus[code] ?? String(code));
  return {
    code: name,
    message: message.replace(/\s*Resolution note:\s*$/, '').trim() || name,
    unimplemented: code === GrpcStatus.UNIMPLEMENTED,
    unreachable: code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED,
  };
}

/** Runs `load`, catching its failure as a value so a page can render an error state. */
export async function attempt<T>(load: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, data: await load() };
  } catch (error) {
    return { ok: false, error: toDashboardError(error) };
  }
}

/** HTTP status for a failed call, for route handlers. */
export function httpStatusFor(error: DashboardError): number {
  switch (error.code) {
    case 'INVALID_ARGUMENT':
    case 'FAILED_PRECONDITION':
    case 'OUT_OF_RANGE':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'UNIMPLEMENTED':
      return 501;
    case 'RESOURCE_EXHAUSTED':
      return 429;
    case 'UNAVAILABLE':
    case 'DEADLINE_EXCEEDED':
      return 503;
    default:
      return 500;
  }
}
