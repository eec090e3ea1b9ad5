import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from './errors';

/** Bounds on what one import or folder prediction may read. */
export interface FileLimits {
  /** Files in one folder tree (an ImageFolder, a test folder, a prediction folder). */
  readonly maxFiles: number;
  /** Bytes of all those files together. */
  readonly maxTotalBytes: number;
  /** Bytes of one file; larger files are skipped unread. */
  readonly maxFileBytes: number;
  /** Folder levels below a class folder (or a prediction folder) that are read. */
  readonly maxDepth: number;
}

/** Generous for the notebook's 10k-image sets, small enough that one request cannot exhaust a server. */
export const DEFAULT_FILE_LIMITS: FileLimits = {
  maxFiles: 200_000,
  maxTotalBytes: 20 * 1024 ** 3,
  maxFileBytes: 64 * 1024 ** 2,
  maxDepth: 8,
};

/** A path a client asked for, resolved inside an allowed root. */
export interface ResolvedPath {
  /** The real path (symbolic links resolved). */
  readonly path: string;
  /** The real path of the root it lies in. */
  readonly root: string;
}

/**
 * The folders a server may read for clients (imports, folder predictions), and the limits
 * that bound each read.
 *
 * A requested path is resolved against the first root when relative, then through
 * `realpath`, so `..` and symbolic links are followed before the check: it must end up
 * inside one of the roots (themselves real paths). Anything else is a
 * `DataError('OUTSIDE_ROOTS')` whose message names the roots to use, and never says what
 * exists outside them.
 */
export class FileRoots {
  private constructor(
    readonly roots: readonly string[],
    readonly limits: FileLimits,
  ) {}

  /** Roots as given (created when missing, so that a fresh data directory has its `imports` folder). */
  static async create(roots: readonly string[], limits: Partial<FileLimits> = {}): Promise<FileRoots> {
    if (!roots.length) throw new DataError('INVALID_OPTION', 'at least one import root is needed');
    const real: string[] = [];
    for (const root of roots) {
      const absolute = path.resolve(root);
      await fs.mkdir(absolute, { recursive: true }).catch(() => undefined);
      try {
        real.push(await fs.realpath(absolute));
      } catch (e) {
        throw new DataError('INVALID_OPTION', `import root ${absolute} cannot be used: ${(e as Error).message}`);
      }
    }
    return new FileRoots([...new Set(real)], { ...DEFAULT_FILE_LIMITS, ...limits });
  }

  /** The root that holds `realPath`, if any. */
  rootOf(realPath: string): string | undefined {
    return this.roots.find((root) => realPath === root || realPath.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  }

  /**
   * Resolves a client's path (absolute, or relative to the first root) to its real path inside
   * a root. `DataError('OUTSIDE_ROOTS')` when it lies elsewhere, `NOT_FOUND` when it does not
   * exist (inside a root), `NOT_A_DIRECTORY` / `NOT_A_FILE` when it is the wrong kind.
   */
  async resolve(requested: string, kind: 'folder' | 'file'): Promise<ResolvedPath> {
    if (!requested || requested.includes('\0')) throw new DataError('INVALID_OPTION', 'a path is required');
    const absolute = path.resolve(this.roots[0], requested);
    let real: string;
    try {
      real = await fs.realpath(absolute);
    } catch {
      // Only say "not found" for paths that would be inside a root; elsewhere, say nothing about the file system.
      if (this.rootOf(path.normalize(absolute))) throw new DataError('NOT_FOUND', `${requested}: no such ${kind} under ${this.describe()}`);
      throw this.outside(requested);
    }
    const root = this.rootOf(real);
    if (!root) throw this.outside(requested);
    const stat = await fs.stat(real);
    if (kind === 'folder' && !stat.isDirectory()) throw new DataError('NOT_A_DIRECTORY', `${requested}: not a folder`);
    if (kind === 'file' && !stat.isFile()) throw new DataError('NOT_A_FILE', `${requested}: not a regular file`);
    return { path: real, root };
  }

  /** The roots, for messages. */
  describe(): string {
    return this.roots.length === 1 ? this.roots[0] : `one of ${this.roots.join(', ')}`;
  }

  private outside(requested: string): DataError {
    return new DataError(
      'OUTSIDE_ROOTS',
      `${requested} is outside the folders this server reads for clients; put it under ${this.describe()} ` +
        '(or start the trainer with ADVLAB_IMPORT_ROOTS naming its parent folder)',
    );
  }
}
