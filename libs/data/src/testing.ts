/**
 * Fixtures for tests of `@advlab/data` and of its consumers: real image files made with sharp
 * in a temporary folder, tiny IDX files, and the tensor backend for tests. Production code
 * never imports this file.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ImageDataset } from './dataset';
import { encodeIdx } from './idx';
import { createRng } from './random';

/** Formats the fixtures can be written in. */
export type FixtureFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff';

/** Selects the pure-JS cpu tensor backend (deterministic, no native code), without its advert for tfjs-node. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  Object.assign(tf.backend(), { firstUse: false });
}

/** A fresh temporary folder; remove it with `removeDir`. */
export function makeTempDir(prefix = 'advlab-data-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Removes a folder made by `makeTempDir`, restoring permissions first. */
export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** Encodes raw uint8 pixels `[height, width, channels]` in `format`. */
export function encodeRaw(pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4, format: FixtureFormat): Promise<Buffer> {
  const img = sharp(pixels, { raw: { width, height, channels } });
  switch (format) {
    case 'jpeg':
      return img.jpeg({ quality: 95 }).toBuffer();
    case 'png':
      return img.png().toBuffer();
    case 'webp':
      return img.webp({ lossless: true }).toBuffer();
    case 'gif':
      return img.gif().toBuffer();
    case 'tiff':
      return img.tiff({ compression: 'lzw' }).toBuffer();
  }
}

/** A `width x height` image of one RGB colour in `format`. */
export function solidImage(format: FixtureFormat, rgb: readonly [number, number, number], width = 32, height = 32): Promise<Buffer> {
  const px = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) px.set(rgb, 3 * i);
  return encodeRaw(px, width, height, 3, format);
}

/** A `width x height` image of seeded random RGB noise in `format`. */
export function noiseImage(format: FixtureFormat, seed: number, width = 32, height = 32): Promise<Buffer> {
  const rng = createRng(seed);
  const px = new Uint8Array(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = rng.int(256);
  return encodeRaw(px, width, height, 3, format);
}

/** A one-channel grey PNG of level `level`. */
export function greyPng(level: number, width = 24, height = 24): Promise<Buffer> {
  return encodeRaw(new Uint8Array(width * height).fill(level), width, height, 1, 'png');
}

/** An RGBA PNG of colour `rgb` with alpha `alpha` everywhere. */
export function rgbaPng(rgb: readonly [number, number, number], alpha: number, width = 24, height = 24): Promise<Buffer> {
  const px = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) px.set([...rgb, alpha], 4 * i);
  return encodeRaw(px, width, height, 4, 'png');
}

/** A valid PNG with garbage written over the middle of its compressed data. */
export async function corruptPng(): Promise<Buffer> {
  const png = Buffer.from(await noiseImage('png', 7, 48, 48));
  for (let i = Math.floor(png.length / 3); i < Math.floor(png.length / 3) + 64; i++) png[i] ^= 0x5a;
  return png;
}

/** A valid JPEG cut in half. */
export async function truncatedJpeg(): Promise<Buffer> {
  const jpg = await noiseImage('jpeg', 8, 64, 64);
  return jpg.subarray(0, Math.floor(jpg.length / 2));
}

/** Writes `files` (relative path to content) under `root`, creating folders; a `null` content makes an empty folder. */
export async function writeTree(root: string, files: Record<string, Buffer | string | null>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    if (content === null) {
      await fs.mkdir(abs, { recursive: true });
    } else {
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await fs.writeFile(abs, content);
    }
  }
}

/** What {@link writeFixtureImageFolder} wrote and what an import must find. */
export interface FixtureExpectations {
  readonly classNames: readonly string[];
  readonly counts: readonly number[];
  /** Relative path of each bad file, with the skip reason it must get. */
  readonly bad: Readonly<Record<string, string>>;
}

/**
 * Writes a three-class ImageFolder of real files under `root`:
 *
 * - `blue/`: 3 lossless WebP of solid blue (one in a nested sub-folder), 1 TIFF;
 * - `green/`: 2 PNG of solid green, a grey PNG (level 128), an RGBA PNG (fully transparent
 *   black), a GIF, plus a corrupt PNG, a truncated JPEG, a zero-byte file and a text file;
 * - `red/`: 3 JPEG of solid red (one 300x200), a noise PNG, an SVG.
 */
export async function writeFixtureImageFolder(root: string): Promise<FixtureExpectations> {
  const blue = [0, 0, 255] as const;
  const green = [0, 255, 0] as const;
  const red = [255, 0, 0] as const;
  await writeTree(root, {
    'blue/b1.webp': await solidImage('webp', blue),
    'blue/b2.webp': await solidImage('webp', blue, 40, 20),
    'blue/nested/b3.webp': await solidImage('webp', blue),
    'blue/b4.tiff': await solidImage('tiff', blue),
    'green/g1.png': await solidImage('png', green),
    'green/g2.png': await solidImage('png', green, 16, 64),
    'green/grey.png': await greyPng(128),
    'green/transparent.png': await rgbaPng([0, 0, 0], 0),
    'green/g3.gif': await solidImage('gif', green),
    'green/corrupt.png': await corruptPng(),
    'green/truncated.jpg': await truncatedJpeg(),
    'green/empty.jpg': Buffer.alloc(0),
    'green/notes.txt': 'not an image\n',
    'red/r1.jpg': await solidImage('jpeg', red),
    'red/r2.jpg': await solidImage('jpeg', red, 300, 200),
    'red/r3.jpeg': await solidImage('jpeg', red, 50, 50),
    'red/noise.png': await noiseImage('png', 3),
    'red/shape.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#ff0000"/></svg>',
  });
  return {
    classNames: ['blue', 'green', 'red'],
    counts: [4, 5, 5],
    bad: {
      'green/corrupt.png': 'corrupt',
      'green/truncated.jpg': 'corrupt',
      'green/empty.jpg': 'empty',
      'green/notes.txt': 'not-an-image',
    },
  };
}

/** Tiny IDX pair: `n` grey `size x size` images whose pixels are `(row * 10 + pixel) % 256`, labels `row % classes`. */
export function tinyIdx(n: number, size: number, classes: number): { images: Buffer; labels: Buffer } {
  const data = new Uint8Array(n * size * size);
  for (let r = 0; r < n; r++) for (let p = 0; p < size * size; p++) data[r * size * size + p] = (r * 10 + p) % 256;
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) labels[r] = r % classes;
  return { images: encodeIdx({ dims: [n, size, size], data }), labels: encodeIdx({ dims: [n], data: labels }) };
}

/** An in-memory data set of seeded noise: `count` images `size x size`, labels `i % classes`. */
export function randomDataset(count: number, size: number, classes: number, seed = 1): ImageDataset {
  const rng = createRng(seed);
  const pixels = new Uint8Array(count * size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  const labels = Int32Array.from({ length: count }, (_, i) => i % classes);
  return {
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    pixels,
    labels,
    count,
    height: size,
    width: size,
    ids: Array.from({ length: count }, (_, i) => `img${i}`),
  };
}
