import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether the active backend registers kernel `name` (one of `kernel_names.ts`); ops call it
 * when it does and compose tfjs-core ops otherwise.
 */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/**
 * Backends whose own gradient kernels (`Conv2DBackpropInput`, `Conv2DBackpropFilter`,
 * `MaxPoolGrad`) are fast, so the ops use them instead of the rewrites made for wasm (where
 * `Conv2DBackpropFilter` is missing and `Conv2DBackpropInput` is a naive loop).
 */
const FAST_GRADIENT_BACKENDS: ReadonlySet<string> = new Set(['onednn']);

/** True when the active backend's gradient kernels are the fast path (see {@link FAST_GRADIENT_BACKENDS}). */
export function hasFastGradientKernels(): boolean {
  return FAST_GRADIENT_BACKENDS.has(tf.getBackend());
}

/** Runs a kernel with several outputs. */
export function runKernelOutputs(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs) as unknown as tf.Tensor[];
}
