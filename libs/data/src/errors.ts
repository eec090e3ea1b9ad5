import type { DomainError, ErrorKind } from '@advlab/config';

/**
 * Why a data set could not be read. Every code is a problem with the caller's input
 * (a path, a folder layout, a file format or an option); `DataError.kind` says which kind
 * (not found, outside the roots, too much data, cancelled, otherwise invalid).
 */
export type DataErrorCode =
  /** The path does not exist. */
  | 'NOT_FOUND'
  /** A folder was expected. */
  | 'NOT_A_DIRECTORY'
  /** The folder itself cannot be listed (permissions, I/O error). */
  | 'UNREADABLE'
  /** An ImageFolder has fewer than 2 class folders. */
  | 'TOO_FEW_CLASSES'
  /** A class folder holds no image that could be decoded. */
  | 'EMPTY_CLASS'
  /** A folder name is not one of the class names it must match (separate test folder). */
  | 'UNKNOWN_CLASS'
  /** A folder meant for prediction holds no image that could be decoded. */
  | 'NO_IMAGES'
  /** An IDX file is malformed or does not match its companion file. */
  | 'BAD_IDX'
  /** An option is out of range. */
  | 'INVALID_OPTION'
  /** The import was cancelled through its AbortSignal. */
  | 'ABORTED'
  /** The path lies outside the folders the server reads for clients (see `FileRoots`). */
  | 'OUTSIDE_ROOTS'
  /** A regular file was expected (not a folder, device, FIFO or socket). */
  | 'NOT_A_FILE'
  /** A folder holds more files, or more bytes, than one request may read. */
  | 'TOO_MUCH_DATA';

/** A typed error for bad data-set input; `code` says which rule was broken, `kind` what kind of mistake that is. */
export class DataError extends Error implements DomainError {
  override readonly name = 'DataError';

  constructor(
    readonly code: DataErrorCode,
    message: string,
  ) {
    super(message);
  }

  get kind(): ErrorKind {
    switch (this.code) {
      case 'NOT_FOUND':
        return 'not-found';
      case 'OUTSIDE_ROOTS':
        return 'permission-denied';
      case 'TOO_MUCH_DATA':
        return 'resource-exhausted';
      case 'ABORTED':
        return 'cancelled';
      default:
        return 'invalid-argument';
    }
  }
}

/** True when `e` is a {@link DataError} (optionally with the given code). */
export function isDataError(e: unknown, code?: DataErrorCode): e is DataError {
  return e instanceof DataError && (code === undefined || e.code === code);
}

/** Throws `DataError('INVALID_OPTION')` with a lazily built message unless `cond` holds. */
export function assertOption(cond: boolean, message: () => string): asserts cond {
  if (!cond) throw new DataError('INVALID_OPTION', message());
}
