/**
 * Data benchmark: how fast images are ingested (decode + resize) and how fast augmented
 * training batches are served from memory, to set against the training throughput.
 *
 * - `ingest_img_s`: generated 256x256 JPEGs decoded and resized to 64x64, all cores.
 * - `ingest_img_s_serial`: the same with one decode in flight.
 *   Both start with the files in the page cache (each is read once right before), so neither
 *   pays the disk for the other.
 * - `cache_load_img_s`: the same folder loaded back from its uint8 cache.
 * - `batches_s`: 64x64 batches of 32 with flip + colour jitter on the active tensor backend
 *   (the best registered one when none was chosen: wasm here, as for training).
 * - `augmented_img_s`: `batches_s * 32`.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { BatchLoader, createRng, importImageFolder } from '@advlab/data';

const CLASSES = 4;
const PER_CLASS = 100;
const SOURCE_SIZE = 256;
const BATCH = 32;

/** A photo-like 256x256 JPEG: smooth colour gradients plus mild noise. */
async function syntheticJpeg(seed: number): Promise<Buffer> {
  const rng = createRng(seed);
  const [a, b, c] = [rng.next(), rng.next(), rng.next()];
  const px = new Uint8Array(SOURCE_SIZE * SOURCE_SIZE * 3);
  for (let y = 0; y < SOURCE_SIZE; y++) {
    for (let x = 0; x < SOURCE_SIZE; x++) {
      const i = 3 * (y * SOURCE_SIZE + x);
      px[i] = 128 + 100 * Math.sin(a * 10 + x / 23) + 20 * (rng.next() - 0.5);
      px[i + 1] = 128 + 100 * Math.cos(b * 10 + y / 31) + 20 * (rng.next() - 0.5);
      px[i + 2] = 128 + 100 * Math.sin(c * 10 + (x + y) / 40) + 20 * (rng.next() - 0.5);
    }
  }
  return sharp(px, { raw: { width: SOURCE_SIZE, height: SOURCE_SIZE, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

async function writeFolder(root: string): Promise<void> {
  for (let c = 0; c < CLASSES; c++) {
    await fs.mkdir(path.join(root, `class${c}`), { recursive: true });
    for (let i = 0; i < PER_CLASS; i++) {
      await fs.writeFile(path.join(root, `class${c}`, `${i}.jpg`), await syntheticJpeg(c * PER_CLASS + i));
    }
  }
}

/** Runs the data benchmark; prints a readable report unless `json` is set. */
/** Reads every file under `root` once, so that the timed import that follows finds them in the page cache. */
async function warmPageCache(root: string): Promise<void> {
  for (const entry of await fs.readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) await fs.readFile(path.join(entry.parentPath ?? entry.path, entry.name));
  }
}

export async function benchData(opts: { json?: boolean } = {}): Promise<Record<string, Record<string, number>>> {
  const log = (msg: string): void => {
    if (!opts.json) console.log(msg);
  };
  await tf.ready();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'advlab-bench-data-'));
  try {
    const root = path.join(dir, 'images');
    await writeFolder(root);
    const total = CLASSES * PER_CLASS;

    await warmPageCache(root);
    const serial = await importImageFolder(root, { imageSize: 64, concurrency: 1 });
    await warmPageCache(root);
    const parallel = await importImageFolder(root, { imageSize: 64, cache: { dir, name: 'bench' } });
    const cached = await importImageFolder(root, { imageSize: 64, cache: { dir, name: 'bench' } });
    const ingest = total / parallel.summary.seconds;
    const ingestSerial = total / serial.summary.seconds;
    const cacheLoad = total / Math.max(cached.summary.seconds, 1e-3);

    const loader = new BatchLoader(parallel.dataset, { batchSize: BATCH, dropLast: true });
    const warm = loader.trainBatches(0);
    for await (const b of warm) b.x.dispose();
    let batches = 0;
    const started = process.hrtime.bigint();
    for (let epoch = 1; Number(process.hrtime.bigint() - started) < 3e9; epoch++) {
      for await (const b of loader.trainBatches(epoch)) {
        b.x.dispose();
        batches++;
      }
    }
    const batchesPerSecond = batches / (Number(process.hrtime.bigint() - started) / 1e9);

    const result = {
      ingest_img_s: round(ingest),
      ingest_img_s_serial: round(ingestSerial),
      cache_load_img_s: round(cacheLoad),
      batches_s: round(batchesPerSecond),
      augmented_img_s: round(batchesPerSecond * BATCH),
    };
    log(`data: ingest ${result.ingest_img_s} img/s (${os.availableParallelism()} cores; serial ${result.ingest_img_s_serial} img/s), ${SOURCE_SIZE}x${SOURCE_SIZE} JPEG -> 64x64`);
    log(`data: cache load ${result.cache_load_img_s} img/s`);
    log(`data: ${result.batches_s} batches/s = ${result.augmented_img_s} augmented img/s (64x64, batch ${BATCH}, flip + jitter, backend ${tf.getBackend()})`);
    return { data: result };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

if (require.main === module) {
  benchData({ json: process.argv.includes('--json') }).then((r) => {
    if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  });
}
