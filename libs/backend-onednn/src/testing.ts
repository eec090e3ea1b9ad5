// Test helpers: run the same computation on the onednn backend and on tfjs's cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@advlab/model';
import { registerOnednnBackend } from './register';

// Silences tfjs's one-time "install tfjs-node" advice in test output.
tf.env().set('PROD', true);

/** Registers the backend (failing with what to install when the addon is missing) and makes it active. */
export async function useOnednn(): Promise<void> {
  registerOnednnBackend();
  await tf.setBackend('onednn');
  await tf.ready();
}

/** `n` normal draws (scaled) from a seeded generator. */
export function normalArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/**
 * Runs `fn` on onednn and then on cpu with tensors made from the same arrays, and returns the
 * values of what it returned on each (copies).
 */
export async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ onednn: Float32Array[]; cpu: Float32Array[] }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const out = fn();
      return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
    });
  };
  const onednn = await run('onednn');
  const cpu = await run('cpu');
  await tf.setBackend('onednn');
  return { onednn, cpu };
}

/** `max |a - b| / max(max |b|, floor)`: the error relative to the reference's scale. */
export function scaledError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = floor;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}
