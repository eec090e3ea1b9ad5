import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, BackendName, useBackend } from '../backend';

// Silences tfjs's one-time "install tfjs-node" advice in test output.
tf.env().set('PROD', true);

/** Runs `fn` with `name` as the active backend, then restores the previous one. */
export async function withBackend<T>(name: BackendName, fn: () => Promise<T> | T): Promise<T> {
  const previous = tf.getBackend();
  await useBackend(name);
  try {
    return await fn();
  } finally {
    if (previous) await tf.setBackend(previous);
  }
}

/** Relative error `|a - b| / max(|a|, |b|, floor)` over whole arrays (max-norm). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  let num = 0;
  let den = floor;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(a[i]), Math.abs(b[i]));
  }
  return num / den;
}

/** Environment variable choosing the backend the model and attack suites train and attack on. */
export const TEST_BACKEND_ENV = 'ADVLAB_TEST_BACKEND';

/**
 * The backend the suites run their training and attack tests on: `ADVLAB_TEST_BACKEND`
 * (CI runs them once with `onednn`), else `wasm`. Tests comparing two named backends ignore it.
 */
export function testBackend(env: NodeJS.ProcessEnv = process.env): BackendName {
  const raw = env[TEST_BACKEND_ENV]?.trim().toLowerCase() || 'wasm';
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) throw new Error(`${TEST_BACKEND_ENV}=${raw} is not a backend; use one of ${BACKEND_NAMES.join(', ')}`);
  return raw as BackendName;
}
