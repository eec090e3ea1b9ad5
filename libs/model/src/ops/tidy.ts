import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.tidy` for functions returning structured results (objects with nested tensors, nulls
 * and numbers): every tensor reachable from the result is kept, everything else is disposed.
 */
export function tidyResult<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
