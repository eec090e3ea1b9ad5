/**
 * Fixtures for service tests: a small, learnable ImageFolder made with sharp,
 * and helpers to drive a real server through a real client. Never imported by
 * production code.
 */
import { encodeRaw } from '@advlab/data/testing';
import * as grpc from '@grpc/grpc-js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Class colours of the toy folder: each image is noise around its class's colour. */
export const TOY_CLASSES: Record<string, readonly [number, number, number]> = {
  red: [200, 40, 40],
  green: [40, 200, 40],
  blue: [40, 40, 200],
};

/**
 * Writes `<root>/<class>/<i>.png` (and some .jpg): `perClass` noisy images of
 * `size` px per class, plus one corrupt file, and returns the paths written.
 */
export async function writeToyImageFolder(root: string, opts: { perClass?: number; size?: number; seed?: number } = {}): Promise<{ files: string[]; corrupt: string }> {
  const perClass = opts.perClass ?? 24;
  const size = opts.size ?? 16;
  let state = opts.seed ?? 7;
  const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  const files: string[] = [];
  for (const [name, rgb] of Object.entries(TOY_CLASSES)) {
    await fs.mkdir(path.join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = new Uint8Array(size * size * 3);
      for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) px[3 * p + c] = Math.max(0, Math.min(255, rgb[c] + (rand() - 0.5) * 160));
      const format = i % 4 === 0 ? 'jpeg' : 'png';
      const file = path.join(root, name, `${i}.${format === 'jpeg' ? 'jpg' : 'png'}`);
      await fs.writeFile(file, await encodeRaw(px, size, size, 3, format));
      files.push(file);
    }
  }
  const corrupt = path.join(root, 'red', 'broken.png');
  await fs.writeFile(corrupt, Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
  return { files, corrupt };
}

/** Collects every message of a server stream; rejects with the stream's error. */
export function readAll<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (m: T) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}
