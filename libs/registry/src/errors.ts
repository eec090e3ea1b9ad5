import type { DomainError, ErrorKind } from '@advlab/config';

/**
 * A request the registry cannot serve: an unknown id (`not-found`), a bad page token
 * (`invalid-argument`), a state that forbids it (`failed-precondition`). The message is for the
 * caller; the services turn the kind into a status.
 */
export class RegistryError extends Error implements DomainError {
  override readonly name = 'RegistryError';

  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const unknownId = (message: string) => new RegistryError('not-found', message);
export const invalidRequest = (message: string) => new RegistryError('invalid-argument', message);
export const wrongState = (message: string) => new RegistryError('failed-precondition', message);
