import { promises as fs, Stats } from 'node:fs';
import * as path from 'node:path';
import { DataError } from './errors';
import type { FileLimits } from './roots';
import type { SkippedFile } from './summary';

/** A regular file found by a scan, before decoding. */
export interface ScannedFile {
  /** Path relative to the scanned root, '/'-separated, e.g. `cat/img_001.jpg`. */
  readonly path: string;
  /** Where to read it: the real path when the scan is confined to a root (links resolved). */
  readonly absPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Class index (ImageFolder), or -1 in a flat folder. */
  readonly label: number;
}

/** What a scan found: class names (sorted), candidate files (sorted by path) and what it left out. */
export interface FolderScan {
  readonly classNames: readonly string[];
  /** Class folders actually present (a separate test folder may lack some classes). */
  readonly classFolders: readonly string[];
  readonly files: readonly ScannedFile[];
  readonly skipped: readonly SkippedFile[];
}

/** Options of the folder scans. */
export interface ScanOptions {
  /** Stops the scan (`DataError('ABORTED')`): a scan of a huge tree ends at once. */
  readonly signal?: AbortSignal;
  /**
   * A real path the scan must stay in: a symbolic link leading out of it is skipped
   * (`outside-root`), never followed, and files are read through their real paths.
   */
  readonly within?: string;
  /** Caps on files, bytes and depth; unbounded when absent. */
  readonly limits?: FileLimits;
}

/** What a scan carries along its walk. */
class ScanContext {
  files = 0;
  bytes = 0;
  readonly skipped: SkippedFile[] = [];

  constructor(
    private readonly root: string,
    readonly opts: ScanOptions,
  ) {}

  checkAborted(): void {
    if (this.opts.signal?.aborted) throw new DataError('ABORTED', 'import cancelled');
  }

  /** Counts a file against the limits; false (and a skip) when the file alone is too large. */
  admit(rel: string, stat: Stats): boolean {
    const limits = this.opts.limits;
    if (!limits) return true;
    if (stat.size > limits.maxFileBytes) {
      this.skipped.push({ path: rel, reason: 'too-large', detail: `${stat.size} bytes; one file may have at most ${limits.maxFileBytes}` });
      return false;
    }
    this.files++;
    this.bytes += stat.size;
    if (this.files > limits.maxFiles) {
      throw new DataError('TOO_MUCH_DATA', `${this.root}: more than ${limits.maxFiles} files; split the folder (the limit is ADVLAB_IMPORT_MAX_FILES)`);
    }
    if (this.bytes > limits.maxTotalBytes) {
      throw new DataError('TOO_MUCH_DATA', `${this.root}: more than ${limits.maxTotalBytes} bytes of files; split the folder (the limit is ADVLAB_IMPORT_MAX_BYTES)`);
    }
    return true;
  }

  /**
   * `stat` of an entry, following links; failures, links out of the root and links that
   * loop are reported in `skipped` instead of thrown. Returns the path to read it through.
   */
  async entry(abs: string, rel: string): Promise<{ stat: Stats; real: string } | null> {
    try {
      const link = await fs.lstat(abs);
      const stat = link.isSymbolicLink() ? await fs.stat(abs) : link;
      let real = abs;
      if (this.opts.within && link.isSymbolicLink()) {
        real = await fs.realpath(abs);
        const within = this.opts.within;
        if (real !== within && !real.startsWith(within.endsWith(path.sep) ? within : within + path.sep)) {
          this.skipped.push({ path: rel, reason: 'outside-root', detail: 'a symbolic link leading out of the folders this server reads' });
          return null;
        }
      }
      return { stat, real };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') this.skipped.push({ path: rel, reason: 'symlink-loop', detail: 'symbolic link loops on itself' });
      else if (code === 'ENOENT') this.skipped.push({ path: rel, reason: 'broken-link', detail: 'target does not exist' });
      else this.skipped.push({ path: rel, reason: 'unreadable', detail: errorMessage(e) });
      return null;
    }
  }
}

/**
 * Lists an ImageFolder (`root/<class>/**`): every non-hidden sub-folder of `root` is a class,
 * sorted by name, and every regular file below it (at any depth, up to `limits.maxDepth`) a
 * candidate image of that class. Symbolic links are followed (within `opts.within` when
 * given); one leading back to a folder being read, a link that loops on itself, a broken
 * link, an unreadable sub-folder and anything that is not a regular file are reported in
 * `skipped`, never followed, never opened.
 *
 * With `classNames` the labels follow that list (a separate test folder must use the
 * training set's labels); a class folder not in it is a `DataError('UNKNOWN_CLASS')`.
 * Throws `DataError` when `root` is missing, not a folder or unreadable,
 * `DataError('TOO_MUCH_DATA')` past the limits, and `DataError('ABORTED')` once
 * `opts.signal` is aborted.
 */
export async function scanImageFolder(root: string, classNames?: readonly string[], opts: ScanOptions = {}): Promise<FolderScan> {
  const ctx = new ScanContext(root, opts);
  const rootEntries = await readRoot(root);
  const classDirs: Array<{ name: string; stat: Stats; real: string }> = [];
  for (const name of rootEntries) {
    ctx.checkAborted();
    if (name.startsWith('.')) {
      ctx.skipped.push({ path: name, reason: 'hidden', detail: 'hidden names are ignored' });
      continue;
    }
    const entry = await ctx.entry(path.join(root, name), name);
    if (!entry) continue;
    if (entry.stat.isDirectory()) classDirs.push({ name, stat: entry.stat, real: entry.real });
    else if (entry.stat.isFile()) ctx.skipped.push({ path: name, reason: 'outside-class-folder', detail: 'files must be inside a class folder' });
    else ctx.skipped.push({ path: name, reason: 'not-a-file', detail: 'not a regular file or folder' });
  }

  const names = classNames ?? classDirs.map((d) => d.name);
  if (classNames) {
    const unknown = classDirs.filter((d) => !classNames.includes(d.name)).map((d) => d.name);
    if (unknown.length > 0) {
      throw new DataError(
        'UNKNOWN_CLASS',
        `${root}: folder(s) ${unknown.join(', ')} are not classes of the training set (${classNames.join(', ')})`,
      );
    }
  }

  const files: ScannedFile[] = [];
  const rootStat = await fs.stat(root);
  for (const dir of classDirs) {
    const ancestors = new Set([statKey(rootStat), statKey(dir.stat)]);
    await walk(dir.real, dir.name, names.indexOf(dir.name), ancestors, files, ctx, 1);
  }
  return { classNames: names, classFolders: classDirs.map((d) => d.name), files, skipped: ctx.skipped };
}

/**
 * Lists a flat folder of unlabeled images (for prediction): its regular files, sorted by
 * name, each with label -1. Sub-folders, hidden names and special files are reported in
 * `skipped`. Throws `DataError` when `dir` is missing, not a folder or unreadable, and
 * past the limits.
 */
export async function scanFlatFolder(dir: string, opts: ScanOptions = {}): Promise<FolderScan> {
  const ctx = new ScanContext(dir, opts);
  const files: ScannedFile[] = [];
  for (const name of await readRoot(dir)) {
    ctx.checkAborted();
    if (name.startsWith('.')) {
      ctx.skipped.push({ path: name, reason: 'hidden', detail: 'hidden names are ignored' });
      continue;
    }
    const entry = await ctx.entry(path.join(dir, name), name);
    if (!entry) continue;
    if (entry.stat.isFile()) {
      if (ctx.admit(name, entry.stat)) files.push({ path: name, absPath: entry.real, size: entry.stat.size, mtimeMs: entry.stat.mtimeMs, label: -1 });
    } else if (entry.stat.isDirectory()) ctx.skipped.push({ path: name, reason: 'nested-folder', detail: 'a flat folder of images is expected' });
    else ctx.skipped.push({ path: name, reason: 'not-a-file', detail: 'not a regular file or folder' });
  }
  return { classNames: [], classFolders: [], files, skipped: ctx.skipped };
}

/** Entry names of a folder given by the caller, sorted; throws `DataError` when it cannot be listed. */
async function readRoot(root: string): Promise<string[]> {
  let stat: Stats;
  try {
    stat = await fs.stat(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError('NOT_FOUND', `${root}: no such folder`);
    throw new DataError('UNREADABLE', `${root}: ${errorMessage(e)}`);
  }
  if (!stat.isDirectory()) throw new DataError('NOT_A_DIRECTORY', `${root}: not a folder`);
  try {
    return (await fs.readdir(root)).sort(byCodePoint);
  } catch (e) {
    throw new DataError('UNREADABLE', `${root}: cannot list the folder (${errorMessage(e)})`);
  }
}

/** Recursively collects regular files below `absDir`; `ancestors` holds the folders on the current path. */
async function walk(absDir: string, relDir: string, label: number, ancestors: Set<string>, files: ScannedFile[], ctx: ScanContext, depth: number): Promise<void> {
  ctx.checkAborted();
  let names: string[];
  try {
    names = (await fs.readdir(absDir)).sort(byCodePoint);
  } catch (e) {
    ctx.skipped.push({ path: relDir, reason: 'unreadable', detail: `cannot list the folder (${errorMessage(e)})` });
    return;
  }
  for (const name of names) {
    const rel = `${relDir}/${name}`;
    if (name.startsWith('.')) {
      ctx.skipped.push({ path: rel, reason: 'hidden', detail: 'hidden names are ignored' });
      continue;
    }
    ctx.checkAborted();
    const entry = await ctx.entry(path.join(absDir, name), rel);
    if (!entry) continue;
    const { stat, real } = entry;
    if (stat.isFile()) {
      if (ctx.admit(rel, stat)) files.push({ path: rel, absPath: real, size: stat.size, mtimeMs: stat.mtimeMs, label });
    } else if (stat.isDirectory()) {
      const key = statKey(stat);
      if (ancestors.has(key)) {
        ctx.skipped.push({ path: rel, reason: 'symlink-loop', detail: 'leads back to a folder already being read' });
        continue;
      }
      const maxDepth = ctx.opts.limits?.maxDepth;
      if (maxDepth !== undefined && depth >= maxDepth) {
        ctx.skipped.push({ path: rel, reason: 'too-deep', detail: `folders nested more than ${maxDepth} levels below a class folder are not read` });
        continue;
      }
      ancestors.add(key);
      await walk(real, rel, label, ancestors, files, ctx, depth + 1);
      ancestors.delete(key);
    } else {
      ctx.skipped.push({ path: rel, reason: 'not-a-file', detail: 'not a regular file or folder' });
    }
  }
}

function statKey(s: Stats): string {
  return `${s.dev}:${s.ino}`;
}

/** Sorts by Unicode code point, like Python's `sorted` in torchvision's ImageFolder. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
