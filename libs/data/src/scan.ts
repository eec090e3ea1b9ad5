import { promises as fs, Stats } from 'node:fs';
import * as path from 'node:path';
import { DataError } from './errors';
import type { SkippedFile } from './summary';

/** A regular file found by a scan, before decoding. */
export interface ScannedFile {
  /** Path relative to the scanned root, '/'-separated, e.g. `cat/img_001.jpg`. */
  readonly path: string;
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

/**
 * Lists an ImageFolder (`root/<class>/**`): every non-hidden sub-folder of `root` is a class,
 * sorted by name, and every regular file below it (at any depth) a candidate image of that class.
 * Symbolic links are followed; one leading back to a folder being read, a link that loops
 * on itself, a broken link, an unreadable sub-folder and anything that is not a regular
 * file are reported in `skipped`, never followed, never opened.
 *
 * With `classNames` the labels follow that list (a separate test folder must use the
 * training set's labels); a class folder not in it is a `DataError('UNKNOWN_CLASS')`.
 * Throws `DataError` when `root` is missing, not a folder or unreadable, and
 * `DataError('ABORTED')` once `opts.signal` is aborted (a scan of a huge tree stops at once).
 */
export async function scanImageFolder(root: string, classNames?: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<FolderScan> {
  const skipped: SkippedFile[] = [];
  const rootEntries = await readRoot(root);
  const classDirs: Array<{ name: string; stat: Stats }> = [];
  for (const name of rootEntries) {
    if (name.startsWith('.')) {
      skipped.push({ path: name, reason: 'hidden', detail: 'hidden names are ignored' });
      continue;
    }
    const entry = await statEntry(path.join(root, name), name, skipped);
    if (!entry) continue;
    if (entry.isDirectory()) classDirs.push({ name, stat: entry });
    else if (entry.isFile()) skipped.push({ path: name, reason: 'outside-class-folder', detail: 'files must be inside a class folder' });
    else skipped.push({ path: name, reason: 'not-a-file', detail: 'not a regular file or folder' });
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
    await walk(path.join(root, dir.name), dir.name, names.indexOf(dir.name), ancestors, files, skipped, opts.signal);
  }
  return { classNames: names, classFolders: classDirs.map((d) => d.name), files, skipped };
}

/**
 * Lists a flat folder of unlabeled images (for prediction): its regular files, sorted by
 * name, each with label -1. Sub-folders, hidden names and special files are reported in
 * `skipped`. Throws `DataError` when `dir` is missing, not a folder or unreadable.
 */
export async function scanFlatFolder(dir: string): Promise<FolderScan> {
  const skipped: SkippedFile[] = [];
  const files: ScannedFile[] = [];
  for (const name of await readRoot(dir)) {
    if (name.startsWith('.')) {
      skipped.push({ path: name, reason: 'hidden', detail: 'hidden names are ignored' });
      continue;
    }
    const abs = path.join(dir, name);
    const entry = await statEntry(abs, name, skipped);
    if (!entry) continue;
    if (entry.isFile()) files.push({ path: name, absPath: abs, size: entry.size, mtimeMs: entry.mtimeMs, label: -1 });
    else if (entry.isDirectory()) skipped.push({ path: name, reason: 'nested-folder', detail: 'a flat folder of images is expected' });
    else skipped.push({ path: name, reason: 'not-a-file', detail: 'not a regular file or folder' });
  }
  return { classNames: [], classFolders: [], files, skipped };
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
async function walk(
  absDir: string,
  relDir: string,
  label: number,
  ancestors: Set<string>,
  files: ScannedFile[],
  skipped: SkippedFile[],
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) throw new DataError('ABORTED', 'import cancelled');
  let names: string[];
  try {
    names = (await fs.readdir(absDir)).sort(byCodePoint);
  } catch (e) {
    skipped.push({ path: relDir, reason: 'unreadable', detail: `cannot list the folder (${errorMessage(e)})` });
    return;
  }
  for (const name of names) {
    const rel = `${relDir}/${name}`;
    if (name.startsWith('.')) {
      skipped.push({ path: rel, reason: 'hidden', detail: 'hidden names are ignored' });
      continue;
    }
    const abs = path.join(absDir, name);
    if (signal?.aborted) throw new DataError('ABORTED', 'import cancelled');
    const entry = await statEntry(abs, rel, skipped);
    if (!entry) continue;
    if (entry.isFile()) {
      files.push({ path: rel, absPath: abs, size: entry.size, mtimeMs: entry.mtimeMs, label });
    } else if (entry.isDirectory()) {
      const key = statKey(entry);
      if (ancestors.has(key)) {
        skipped.push({ path: rel, reason: 'symlink-loop', detail: 'leads back to a folder already being read' });
        continue;
      }
      ancestors.add(key);
      await walk(abs, rel, label, ancestors, files, skipped, signal);
      ancestors.delete(key);
    } else {
      skipped.push({ path: rel, reason: 'not-a-file', detail: 'not a regular file or folder' });
    }
  }
}

/** `stat` that follows links and reports failures in `skipped` instead of throwing. */
async function statEntry(abs: string, rel: string, skipped: SkippedFile[]): Promise<Stats | null> {
  try {
    return await fs.stat(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') skipped.push({ path: rel, reason: 'symlink-loop', detail: 'symbolic link loops on itself' });
    else if (code === 'ENOENT') skipped.push({ path: rel, reason: 'broken-link', detail: 'target does not exist' });
    else skipped.push({ path: rel, reason: 'unreadable', detail: errorMessage(e) });
    return null;
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
