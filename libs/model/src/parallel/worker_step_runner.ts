import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { BackendName } from '../backend';
import { BatchStatsValues, Model } from '../model';
import { StepInput, StepOutput, StepRunner } from '../step_runner';
import { FromWorker, ToWorker } from './protocol';

/**
 * Data-parallel training steps over worker threads, one tensor backend each (the wasm
 * backend is single-threaded in Node, so this is how a step uses several cores).
 *
 * Each step splits the batch into contiguous shards, one per worker; every worker computes
 * the loss and gradients of its shard with the current parameters; the shard gradients are
 * averaged weighted by shard size, which is the gradient of the whole-batch mean loss
 * except that batch norm normalises each shard with its own statistics (as PyTorch's
 * DataParallel without SyncBatchNorm). The running statistics are updated with the pooled
 * mean and variance of the whole batch. Dropout draws are per image, so they do not depend
 * on the split. Results are deterministic for a given seed and worker count.
 */
export class WorkerStepRunner implements StepRunner {
  private nextId = 0;
  private closed = false;

  private constructor(private readonly threads: Worker[]) {}

  get workers(): number {
    return this.threads.length;
  }

  /** Starts `workers` threads holding a copy of `model`'s architecture on `backend`. */
  static async start(model: Model, workers: number, backend: BackendName): Promise<WorkerStepRunner> {
    const entry = path.join(__dirname, 'worker_entry.js');
    const threads = Array.from({ length: workers }, () => new Worker(entry));
    const runner = new WorkerStepRunner(threads);
    try {
      await Promise.all(threads.map((w) => request(w, { type: 'init', config: model.config, numClasses: model.numClasses, backend }, (m) => m.type === 'ready')));
    } catch (err) {
      await runner.close();
      throw err;
    }
    return runner;
  }

  async run(model: Model, input: StepInput): Promise<StepOutput> {
    if (this.closed) throw new Error('WorkerStepRunner is closed');
    const n = input.x.shape[0];
    const classes = model.numClasses;
    const per = input.x.size / n;
    const x = (await input.x.data()) as Float32Array;
    const targets = (await input.targets.data()) as Float32Array;
    const params: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries(model.params)) params[name] = (await v.data()) as Float32Array;

    const shards = shardSizes(n, this.threads.length);
    let first = 0;
    const pending = shards.map((size, k) => {
      const start = first;
      first += size;
      const msg: ToWorker = {
        type: 'step',
        id: this.nextId++,
        params,
        x: x.slice(start * per, (start + size) * per),
        n: size,
        targets: targets.slice(start * classes, (start + size) * classes),
        loss: input.loss,
        dropoutSeed: input.dropoutSeed,
        firstImage: start,
      };
      return request(this.threads[k], msg, (m) => m.type === 'step');
    });
    const results = (await Promise.all(pending)) as Extract<FromWorker, { type: 'step' }>[];

    const grads: Record<string, tf.Tensor> = {};
    for (const name of Object.keys(results[0].grads)) {
      const sum = new Float32Array(results[0].grads[name].length);
      results.forEach((r, k) => {
        const w = shards[k] / n;
        const g = r.grads[name];
        for (let i = 0; i < sum.length; i++) sum[i] += w * g[i];
      });
      grads[name] = tf.tensor(sum, model.params[name].shape);
    }
    return {
      loss: results.reduce((s, r, k) => s + (r.loss * shards[k]) / n, 0),
      correct: results.reduce((s, r) => s + r.correct, 0),
      grads,
      batchStats: poolBatchStats(results.map((r) => r.batchStats)),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.threads.map(async (w) => {
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        w.postMessage({ type: 'close' } satisfies ToWorker);
        const timer = setTimeout(() => void w.terminate(), 2000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Splits `n` images into `k` contiguous shards whose sizes differ by at most one. */
export function shardSizes(n: number, k: number): number[] {
  const used = Math.min(n, k);
  return Array.from({ length: used }, (_, i) => Math.floor(n / used) + (i < n % used ? 1 : 0));
}

/** Pools per-shard BN statistics into whole-batch mean and unbiased variance. */
export function poolBatchStats(shards: Record<string, BatchStatsValues>[]): Record<string, BatchStatsValues> {
  const out: Record<string, BatchStatsValues> = {};
  for (const name of Object.keys(shards[0] ?? {})) {
    const parts = shards.map((s) => s[name]);
    const count = parts.reduce((s, p) => s + p.count, 0);
    const c = parts[0].mean.length;
    const mean = new Float32Array(c);
    const unbiasedVar = new Float32Array(c);
    for (let j = 0; j < c; j++) {
      const mu = parts.reduce((s, p) => s + p.count * p.mean[j], 0) / count;
      const ss = parts.reduce((s, p) => s + (p.count - 1) * p.unbiasedVar[j] + p.count * (p.mean[j] - mu) ** 2, 0);
      mean[j] = mu;
      unbiasedVar[j] = ss / Math.max(count - 1, 1);
    }
    out[name] = { mean, unbiasedVar, count };
  }
  return out;
}

/** Environment variable fixing the number of training threads (1 = no worker threads). */
export const WORKERS_ENV = 'ADVLAB_WORKERS';

/**
 * How many threads to train with: `requested` if a number, else `ADVLAB_WORKERS`, else 2
 * on wasm when the machine has at least 2 cores and a batch is big enough for the split to
 * pay (at least ~0.2 G multiply-adds of convolution per batch), else 1.
 */
export function resolveWorkerCount(requested: number | 'auto', backend: BackendName, model: Model, batchSize: number, env: NodeJS.ProcessEnv = process.env): number {
  if (requested !== 'auto') return checkCount(requested, 'workers');
  const fromEnv = env[WORKERS_ENV]?.trim();
  if (fromEnv) return checkCount(Number(fromEnv), WORKERS_ENV);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  if (backend !== 'wasm' || cores < 2) return 1;
  return convMacsPerImage(model) * batchSize >= 2e8 ? 2 : 1;
}

/** Multiply-adds of the 3x3 convolutions for one image (the bulk of the work). */
export function convMacsPerImage(model: Model): number {
  let side = model.config.imageSize;
  const L = model.layout;
  let macs = side * side * 9 * L.stem.inChannels * L.stem.outChannels;
  for (const b of L.blocks) {
    macs += side * side * 9 * (b.conv1.inChannels * b.conv1.outChannels + b.conv2.inChannels * b.conv2.outChannels);
    side /= 2;
  }
  return macs;
}

function checkCount(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`${what} must be an integer in [1, 64], got ${n}`);
  return n;
}

function request(worker: Worker, msg: ToWorker, done: (m: FromWorker) => boolean): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.type === 'error') {
        cleanup();
        reject(new Error(`gradient worker failed: ${m.message}`));
      } else if (done(m)) {
        cleanup();
        resolve(m);
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`gradient worker exited with code ${code}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(msg);
  });
}
