import * as tf from '@tensorflow/tfjs-core';
import type { ImageDataset } from './dataset';

/** `[n, h, w, 3]` float32 pixels in [0, 1] from uint8 NHWC RGB bytes. */
export function imagesToTensor(pixels: Uint8Array, n: number, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(pixels), [n, height, width, 3], 'float32'), 255) as tf.Tensor4D);
}

/** The images of rows [start, end) of a data set as a tensor (see {@link imagesToTensor}). */
export function datasetSlice(ds: ImageDataset, start: number, end: number): tf.Tensor4D {
  const per = ds.height * ds.width * 3;
  return imagesToTensor(ds.pixels.subarray(start * per, end * per), end - start, ds.height, ds.width);
}

/** Resolves after pending I/O callbacks and timers have had their turn: long loops share a server's thread. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
