/**
 * What kind of failure a domain error is, in the domain's words. The libraries that check
 * requests, read data and store runs throw errors with a `kind`; only the gRPC layer
 * (`libs/grpc-server/src/errors.ts`) turns kinds into status codes.
 */
export const ERROR_KINDS = ['invalid-argument', 'not-found', 'failed-precondition', 'permission-denied', 'resource-exhausted', 'cancelled'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** An error the caller can act on: its message is for them, its `kind` says what kind of mistake. */
export interface DomainError extends Error {
  readonly kind: ErrorKind;
}

/** True for any error carrying a known `kind` (checked by shape, so copies of a library agree). */
export function isDomainError(err: unknown): err is DomainError {
  const kind = err instanceof Error ? (err as unknown as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && (ERROR_KINDS as readonly string[]).includes(kind);
}

/**
 * A request field out of its range or inconsistent with another: the caller's to fix. Servers
 * answer it with INVALID_ARGUMENT and this message.
 */
export class ConfigError extends Error implements DomainError {
  override readonly name = 'ConfigError';
  readonly kind = 'invalid-argument';

  constructor(
    /** The field's path in the contract, e.g. `training.epochs`. */
    readonly field: string,
    /** What is wrong, after the field: `must be an integer in [1, 1000], got 0`. */
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** True when `err` is a {@link ConfigError}. */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}
