import * as tf from '@tensorflow/tfjs-core';
import { BatchNormCache, BatchStats, batchNormReluTrain, batchNormReluTrainBackward, foldBatchNorm } from './ops/batch_norm';
import { conv3x3, conv3x3FilterGrad, conv3x3InputGrad } from './ops/conv3x3';
import { dropoutMask } from './ops/dropout';
import { maxPool2x2, maxPool2x2Backward } from './ops/max_pool';
import { sumPerChannel, sumRows } from './ops/reduce';
import { reluBackward } from './ops/relu';
import { SkipConvCache, skipConv, skipConvBackward } from './ops/skip_conv';
import { BlockLayout, ConvUnit, NetworkLayout } from './params';

/**
 * Forward and backward passes of the notebook's CNN, written out layer by layer on
 * `@tensorflow/tfjs-core` ops so they run unchanged on the node, wasm and cpu backends.
 *
 * The backward pass is explicit rather than taken from the engine's tape: it only computes
 * what is asked for (weights for training, the input for attacks) and uses forward kernels
 * where the backends' gradient kernels are missing or slow (see the `ops/` files). Ops whose
 * fused kernels a backend registers (`ops/kernel_names.ts`: onednn) run as those kernels.
 */

/** Batch-norm epsilon and running-statistics momentum, as PyTorch's `BatchNorm2d`. */
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Named tensors: parameters, running statistics or gradients. */
export type NamedTensors = Record<string, tf.Tensor>;

/** How to run the forward pass. */
export interface ForwardOptions {
  /** Training mode: batch statistics in BN and dropout on. Default false (evaluation mode). */
  readonly training?: boolean;
  /** Keep what {@link backward} needs. Default false. */
  readonly record?: boolean;
  /**
   * Dropout draws in training mode: the seed of this step and one id per image (see
   * `dropoutMask`). Default: seed 0 and ids `0..n-1`.
   */
  readonly dropout?: { readonly seed: number; readonly imageIds?: ArrayLike<number> };
}

interface UnitCache {
  readonly x: tf.Tensor4D;
  readonly h: tf.Tensor4D;
  /** The filter whose input gradient is taken (folded with BN in evaluation mode). */
  readonly w: tf.Tensor4D;
  readonly bn: BatchNormCache | null;
}

interface BlockCache {
  readonly conv1: UnitCache;
  readonly conv2: UnitCache;
  /** Block output before pooling (ReLU of conv2), and after pooling. */
  readonly pooled: tf.Tensor4D;
  readonly mask: tf.Tensor4D | null;
  /** `conv`: what the skip conv's backward needs; `pool`: the pooled input. */
  readonly skip: { readonly kind: 'conv'; readonly cache: SkipConvCache } | { readonly kind: 'pool'; readonly y: tf.Tensor4D } | null;
}

/** What the backward pass needs from a recorded forward pass. */
export interface Tape {
  readonly training: boolean;
  readonly stem: UnitCache;
  readonly blocks: readonly BlockCache[];
  /** Global-average-pooled features `[n, c]` and the spatial size they were pooled over. */
  readonly features: tf.Tensor2D;
  readonly pooledShape: readonly [number, number, number, number];
}

/** Output of {@link forward}. */
export interface ForwardResult {
  /** `[n, classes]` unnormalised scores. */
  readonly logits: tf.Tensor2D;
  /** Set when `record` is true. */
  readonly tape: Tape | null;
  /** Per BN layer (keyed by its running-mean name) batch statistics, in training mode with BN. */
  readonly batchStats: Record<string, BatchStats>;
}

/**
 * Runs the network on `x` `[n, size, size, 3]`, pixels in [0, 1].
 *
 * Tensors it creates are not tidied: call it inside `tf.tidy` (as `Model` does), keeping
 * what you return.
 */
export function forward(
  layout: NetworkLayout,
  params: NamedTensors,
  state: NamedTensors,
  x: tf.Tensor4D,
  opts: ForwardOptions = {},
): ForwardResult {
  const training = opts.training ?? false;
  const record = opts.record ?? false;
  const n = x.shape[0];
  const seed = opts.dropout?.seed ?? 0;
  const imageIds = opts.dropout?.imageIds ?? Int32Array.from({ length: n }, (_, i) => i);
  const batchStats: Record<string, BatchStats> = {};
  const p = (name: string) => params[name] as tf.Tensor;

  const unit = (u: ConvUnit, input: tf.Tensor4D): UnitCache => {
    const w = p(u.weight) as tf.Tensor4D;
    const b = p(u.bias) as tf.Tensor1D;
    if (u.bn && training) {
      const a = conv3x3(input, w);
      const { h, cache, stats } = batchNormReluTrain(a, p(u.bn.gamma) as tf.Tensor1D, p(u.bn.beta) as tf.Tensor1D, BN_EPS);
      // The conv bias cancels inside BN; the running mean tracks the biased output as PyTorch does.
      batchStats[u.bn.runningMean] = { ...stats, mean: tf.add(stats.mean, b) as tf.Tensor1D };
      return { x: input, h, w, bn: cache };
    }
    if (u.bn) {
      const { scale, shift } = foldBatchNorm(b, p(u.bn.gamma) as tf.Tensor1D, p(u.bn.beta) as tf.Tensor1D, state[u.bn.runningMean] as tf.Tensor1D, state[u.bn.runningVar] as tf.Tensor1D, BN_EPS);
      const folded = tf.mul(w, scale) as tf.Tensor4D;
      const h = tf.fused.conv2d({ x: input, filter: folded, strides: 1, pad: 'same', bias: shift, activation: 'relu' });
      return { x: input, h, w: folded, bn: null };
    }
    const h = tf.fused.conv2d({ x: input, filter: w, strides: 1, pad: 'same', bias: b, activation: 'relu' });
    return { x: input, h, w, bn: null };
  };

  const block = (bl: BlockLayout, index: number, input: tf.Tensor4D): { out: tf.Tensor4D; cache: BlockCache } => {
    const conv1 = unit(bl.conv1, input);
    const conv2 = unit(bl.conv2, conv1.h);
    const pooled = maxPool2x2(conv2.h);
    let out = pooled;
    let mask: tf.Tensor4D | null = null;
    if (training && layout.dropRate > 0) {
      mask = dropoutMask(pooled.shape, layout.dropRate, seed, index, imageIds);
      out = tf.mul(pooled, mask);
    }
    let skip: BlockCache['skip'] = null;
    if (bl.skip?.kind === 'conv') {
      const s = skipConv(input, p(bl.skip.weight) as tf.Tensor4D, p(bl.skip.bias) as tf.Tensor1D);
      out = tf.add(out, s.y);
      skip = { kind: 'conv', cache: s.cache };
    } else if (bl.skip?.kind === 'pool') {
      const y = maxPool2x2(input);
      out = tf.add(out, y);
      skip = { kind: 'pool', y };
    }
    return { out, cache: { conv1, conv2, pooled, mask, skip } };
  };

  const normalised = tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D; // (x - 0.5) / 0.5
  const stem = unit(layout.stem, normalised);
  let act = stem.h;
  const blocks: BlockCache[] = [];
  layout.blocks.forEach((bl, i) => {
    const r = block(bl, i, act);
    blocks.push(r.cache);
    act = r.out;
  });
  const features = tf.mean(act, [1, 2]) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(features, p(layout.head.weight) as tf.Tensor2D), p(layout.head.bias)) as tf.Tensor2D;
  const tape: Tape | null = record ? { training, stem, blocks, features, pooledShape: act.shape } : null;
  return { logits, tape, batchStats };
}

/** What {@link backward} computes. */
export interface BackwardOptions {
  /** Gradients of the trainable parameters (training mode only). */
  readonly params: boolean;
  /** Gradient with respect to the input pixels. */
  readonly input: boolean;
}

/**
 * Backpropagates `dlogits` `[n, classes]` through a recorded forward pass.
 *
 * Returns parameter gradients by name (when asked) and `dx` `[n, size, size, 3]` with
 * respect to the [0, 1] input pixels (when asked). Call inside `tf.tidy`.
 */
export function backward(
  layout: NetworkLayout,
  params: NamedTensors,
  tape: Tape,
  dlogits: tf.Tensor2D,
  want: BackwardOptions,
): { grads: NamedTensors; dx: tf.Tensor4D | null } {
  if (want.params && !tape.training) {
    throw new Error('parameter gradients need a forward pass in training mode');
  }
  const grads: NamedTensors = {};
  const p = (name: string) => params[name] as tf.Tensor;

  const unit = (u: ConvUnit, c: UnitCache, dh: tf.Tensor4D, needInput: boolean): tf.Tensor4D | null => {
    let da: tf.Tensor4D;
    if (c.bn && u.bn) {
      const r = batchNormReluTrainBackward(dh, c.h, c.bn);
      da = r.da;
      if (want.params) {
        grads[u.bn.gamma] = r.dgamma;
        grads[u.bn.beta] = r.dbeta;
        grads[u.bias] = tf.zeros([u.outChannels]);
      }
    } else {
      da = reluBackward(dh, c.h);
      if (want.params) grads[u.bias] = sumPerChannel(da);
    }
    if (want.params) grads[u.weight] = conv3x3FilterGrad(c.x, da);
    return needInput ? conv3x3InputGrad(da, c.w) : null;
  };

  const block = (bl: BlockLayout, c: BlockCache, dout: tf.Tensor4D, needInput: boolean): tf.Tensor4D | null => {
    const dpooled = c.mask ? (tf.mul(dout, c.mask) as tf.Tensor4D) : dout;
    const dh2 = maxPool2x2Backward(c.conv2.h, c.pooled, dpooled);
    const dh1 = unit(bl.conv2, c.conv2, dh2, true) as tf.Tensor4D;
    let dx = unit(bl.conv1, c.conv1, dh1, needInput);
    if (bl.skip?.kind === 'conv' && c.skip?.kind === 'conv') {
      const r = skipConvBackward(c.skip.cache, p(bl.skip.weight) as tf.Tensor4D, dout, needInput, want.params);
      if (want.params && r.dw && r.db) {
        grads[bl.skip.weight] = r.dw;
        grads[bl.skip.bias] = r.db;
      }
      if (dx && r.dx) dx = tf.add(dx, r.dx) as tf.Tensor4D;
    } else if (c.skip?.kind === 'pool' && dx) {
      dx = tf.add(dx, maxPool2x2Backward(c.conv1.x, c.skip.y, dout)) as tf.Tensor4D;
    }
    return dx;
  };

  const [n, h, w, ch] = tape.pooledShape;
  if (want.params) {
    grads[layout.head.weight] = tf.matMul(tape.features, dlogits, true, false);
    grads[layout.head.bias] = sumRows(dlogits);
  }
  const dfeatures = tf.matMul(dlogits, p(layout.head.weight) as tf.Tensor2D, false, true);
  let dact = tf.mul(tf.reshape(dfeatures, [n, 1, 1, ch]), tf.fill([1, h, w, 1], 1 / (h * w))) as tf.Tensor4D;
  for (let i = layout.blocks.length - 1; i >= 0; i--) {
    dact = block(layout.blocks[i], tape.blocks[i], dact, true) as tf.Tensor4D;
  }
  const dnorm = unit(layout.stem, tape.stem, dact, want.input);
  const dx = dnorm ? (tf.mul(dnorm, 2) as tf.Tensor4D) : null;
  return { grads, dx };
}
