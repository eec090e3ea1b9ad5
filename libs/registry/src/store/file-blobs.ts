import { randomBytes } from 'node:crypto';
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import type { BlobStore } from './types';

/** Names of the temporary files of puts in progress (`<name>.<pid>.<8 hex>.tmp`, like checkpoint writes). */
const TEMP_FILE = /\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * Blobs as files under `root`: key `a/b.ckpt` is the file `<root>/a/b.ckpt`
 * (folders made as needed). Keys are relative paths with `/` separators; an
 * empty segment, `.`, `..`, a backslash or an absolute key is refused. A put
 * writes a temporary file beside the target, flushes it and renames it over
 * the target, so a reader sees the old or the new bytes, never half; the last
 * of concurrent puts wins whole.
 */
export class FileBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The file that holds `key`; throws for a key that is not a plain relative path. */
  file(key: string): string {
    checkKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.file(key);
    if (TEMP_FILE.test(key)) throw new Error(`blob key "${key}" looks like a temporary file name`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await fs.open(tmp, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.file(key));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await fs.unlink(this.file(key));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the folder the prefix names, e.g. `ds-1/` or `ds-1/tr` -> `<root>/ds-1`.
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    if (folder) checkKey(folder.slice(0, -1));
    const keys: string[] = [];
    const walk = async (dir: string, base: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const entry of entries) {
        const key = base + entry.name;
        // Below the prefix's folder the rest of the prefix has no "/": a folder matches as a whole or not at all.
        if (!key.startsWith(prefix)) continue;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), `${key}/`);
        else if (entry.isFile() && !TEMP_FILE.test(entry.name)) keys.push(key);
      }
    };
    await walk(folder ? path.join(this.root, ...folder.slice(0, -1).split('/')) : this.root, folder);
    return keys.sort();
  }
}

function checkKey(key: string): void {
  const segments = key.split('/');
  if (!key || key.includes('\\') || key.includes('\0') || path.isAbsolute(key) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`blob key "${key}" must be a relative path of plain names separated by "/"`);
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  // ENOTDIR: a segment of the key is a file; EISDIR: the key is a folder.
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
