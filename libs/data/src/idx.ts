import { createReadStream, promises as fs } from 'node:fs';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from './errors';

/** An unsigned-byte IDX array (the MNIST file format): `data` holds `prod(dims)` bytes, row-major. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const UBYTE = 0x08;

/**
 * Parses an IDX file's bytes (gzip-compressed or raw). Only the unsigned-byte element type
 * (0x08, used by MNIST and Fashion-MNIST) is supported. Throws `DataError('BAD_IDX')` on a
 * bad magic number, another element type or a size that does not match the header.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError('BAD_IDX', `${name}: corrupt gzip stream (${(e as Error).message})`);
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new DataError('BAD_IDX', `${name}: not an IDX file (bad magic number)`);
  if (buf[2] !== UBYTE) throw new DataError('BAD_IDX', `${name}: element type 0x${buf[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const rank = buf[3];
  const headerBytes = 4 + 4 * rank;
  if (rank === 0 || buf.length < headerBytes) throw new DataError('BAD_IDX', `${name}: truncated header`);
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== headerBytes + size) {
    throw new DataError('BAD_IDX', `${name}: header says ${dims.join('x')} = ${size} bytes, file has ${buf.length - headerBytes}`);
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, size) };
}

/** Encodes an unsigned-byte IDX array (header + data), gzip-compressed when `gzip` is true. */
export function encodeIdx(arr: IdxArray, gzip = false): Buffer {
  const size = arr.dims.reduce((a, b) => a * b, 1);
  if (arr.data.length !== size) throw new DataError('BAD_IDX', `dims ${arr.dims.join('x')} need ${size} bytes, got ${arr.data.length}`);
  const header = Buffer.alloc(4 + 4 * arr.dims.length);
  header[2] = UBYTE;
  header[3] = arr.dims.length;
  arr.dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const raw = Buffer.concat([header, arr.data]);
  return gzip ? gzipSync(raw, { level: 9 }) : raw;
}

/** Largest IDX content (header and data, decompressed) {@link readIdxFile} reads by default: 1 GiB. */
export const DEFAULT_MAX_IDX_BYTES = 1024 ** 3;

/**
 * Reads and parses an IDX file (`.gz` or raw, told apart by content).
 *
 * Only regular files are read (a device such as `/dev/zero` is refused before it is opened),
 * and never more than the header's dimensions announce: the header is read first, a size
 * over `maxBytes` is refused, and a gzip stream that inflates past the announced size (a
 * "gzip bomb") is stopped at that point, so memory stays bounded by the header's claim.
 */
export async function readIdxFile(file: string, opts: { maxBytes?: number } = {}): Promise<IdxArray> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `${file}: ${(e as Error).message}`);
  }
  if (!stat.isFile()) throw new DataError('NOT_A_FILE', `${file}: not a regular file`);
  let content: Buffer;
  try {
    content = await readBounded(file, maxBytes);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError('UNREADABLE', `${file}: ${(e as Error).message}`);
  }
  return parseIdx(content, file);
}

/** The (decompressed) bytes of an IDX file, stopping at what its header announces. */
async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  let gzip = false;
  try {
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
  const source = createReadStream(file);
  const stream = gzip ? source.pipe(createGunzip()) : source;
  const chunks: Buffer[] = [];
  let length = 0;
  let expected = Infinity;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (expected === Infinity && length >= 4) {
        const head = Buffer.concat(chunks);
        const rank = head[3];
        if (head[0] === 0 && head[1] === 0 && length >= 4 + 4 * rank) {
          const dims = Array.from({ length: rank }, (_, i) => head.readUInt32BE(4 + 4 * i));
          expected = 4 + 4 * rank + dims.reduce((a, b) => a * b, 1);
          if (expected > maxBytes) {
            throw new DataError('TOO_MUCH_DATA', `${file}: its header announces ${dims.join('x')} (${expected} bytes); at most ${maxBytes} bytes are read`);
          }
        } else if (head[0] !== 0 || head[1] !== 0) {
          throw new DataError('BAD_IDX', `${file}: not an IDX file (bad magic number)`);
        }
      }
      if (length > Math.min(expected, maxBytes)) {
        throw new DataError('BAD_IDX', `${file}: more data than its header announces (${expected === Infinity ? 'no complete header' : `${expected} bytes`})`);
      }
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    if (gzip) throw new DataError('BAD_IDX', `${file}: corrupt gzip stream (${(e as Error).message})`);
    throw e;
  } finally {
    source.destroy();
  }
  return Buffer.concat(chunks, length);
}

/** Writes an IDX file; gzip-compressed when the name ends in `.gz`. */
export async function writeIdxFile(file: string, arr: IdxArray): Promise<void> {
  await fs.writeFile(file, encodeIdx(arr, file.endsWith('.gz')));
}
