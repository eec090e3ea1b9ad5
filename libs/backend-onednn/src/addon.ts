import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The compiled addon (`build/Release/advlab_onednn.node`, built by `npm ci` through this
 * package's install script) as TypeScript sees it. Outputs are caller-allocated Float32Arrays
 * written in place; every call is synchronous and uses the addon's OpenMP threads.
 */
export interface OnednnAddon {
  /** `geometry`: see {@link convGeometry}. */
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, geometry: number[], relu: boolean): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: number[]): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: number[]): void;
  /** `geometry`: `[n, inH, inW, c, outH, outW, kH, kW, strideH, strideW, padTop, padLeft]`. */
  maxPool(x: Float32Array, y: Float32Array, geometry: number[]): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geometry: number[]): void;
  binary(op: number, outShape: number[], a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], out: Float32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array, size: number, alpha: number, beta: number): void;
  reduce(op: number, outer: number, reduce: number, inner: number, x: Float32Array, out: Float32Array): void;
  batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, batchA: number, batchB: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): void;
  batchNormTrain(x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number, relu: boolean, y: Float32Array, mean: Float32Array, invStd: Float32Array, unbiasedVar: Float32Array): void;
  batchNormTrainGrad(dy: Float32Array, x: Float32Array, y: Float32Array | null, mean: Float32Array, invStd: Float32Array, gamma: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array): void;
  reluGrad(dy: Float32Array, y: Float32Array, dx: Float32Array, size: number): void;
  dropoutMask(imageIds: Int32Array, perImage: number, seed: number, layer: number, threshold: number, keep: number, mask: Float32Array): void;
  /** `hyper`: `[lr, beta1, beta2, epsilon, weightDecay, 1 - beta1^t, 1 - beta2^t]`. */
  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, paramOut: Float32Array, mOut: Float32Array, vOut: Float32Array, hyper: Float64Array): void;
  softmaxCrossEntropy(logits: Float32Array, targets: Float32Array, rows: number, classes: number, loss: Float32Array, dlogits: Float32Array): void;
  setThreads(n: number): void;
  info(): { onednn: string; threads: number; cachedPrimitives: number };
  clearCache(): void;
}

/** Where the install script puts the addon. */
export const ADDON_PATH = path.join(__dirname, '..', 'build', 'Release', 'advlab_onednn.node');

/** The Debian packages the addon needs to build and load. */
export const ONEDNN_APT_PACKAGES = ['libdnnl-dev', 'g++', 'make'] as const;

let loaded: OnednnAddon | null = null;

/**
 * Loads the addon, or throws an error that says what is missing and how to get it (run
 * `npm run setup`, or install `libdnnl-dev g++ make` and rebuild).
 */
export function loadAddon(): OnednnAddon {
  if (loaded) return loaded;
  if (!fs.existsSync(ADDON_PATH)) {
    throw new Error(
      `the onednn addon is not built (${path.relative(process.cwd(), ADDON_PATH)} is missing): ` +
        `install ${ONEDNN_APT_PACKAGES.join(' ')} (npm run setup does it) and run npm run build:addon -w @advlab/backend-onednn`,
    );
  }
  // Idle OpenMP threads sleep instead of spinning: on a small shared machine a spinning thread
  // takes the core the JavaScript thread needs between kernels (measured: a training step 2x
  // slower under load). libgomp reads this when the addon loads it; an explicit setting wins.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  try {
    loaded = require(ADDON_PATH) as OnednnAddon;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`the onednn addon failed to load (${msg}): is libdnnl2 installed? npm run setup installs ${ONEDNN_APT_PACKAGES.join(' ')}`);
  }
  return loaded;
}
