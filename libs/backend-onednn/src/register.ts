import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadAddon, OnednnAddon } from './addon';
import { OnednnBackend } from './backend_onednn';
import { NATIVE_KERNELS } from './kernels/all';

/** The tfjs backend name. */
export const ONEDNN_BACKEND = 'onednn';

/** Environment variable with the OpenMP thread count (default: the machine's cores). */
export const THREADS_ENV = 'ADVLAB_THREADS';

/** Reads `ADVLAB_THREADS`: a positive integer, or the number of cores when unset. */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[THREADS_ENV]?.trim();
  if (!raw) return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`${THREADS_ENV} must be an integer in [1, 256], got ${raw}`);
  return n;
}

let registered: OnednnAddon | null = null;

/**
 * Registers the `onednn` backend with tfjs (once per thread): every kernel of the cpu backend
 * under the new name, then the native kernels over them. Throws, naming what is missing, when
 * the addon is not built or cannot load.
 *
 * @param threads OpenMP threads for the native kernels. Default `ADVLAB_THREADS`, else the cores.
 */
export function registerOnednnBackend(threads = threadsFromEnv()): OnednnAddon {
  if (registered) {
    registered.setThreads(threads);
    return registered;
  }
  const addon = loadAddon();
  addon.setThreads(threads);
  const native = new Set(NATIVE_KERNELS.map((k) => k.kernelName));
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (!native.has(config.kernelName)) tf.registerKernel({ ...config, backendName: ONEDNN_BACKEND });
  }
  for (const config of NATIVE_KERNELS) tf.registerKernel(config);
  // Above wasm (2) and cpu (1): when loaded, it is the fastest CPU backend here.
  tf.registerBackend(ONEDNN_BACKEND, () => new OnednnBackend(addon), 3);
  registered = addon;
  return addon;
}

/** Version, threads and cache size of the loaded addon, or null when not registered. */
export function onednnInfo(): ReturnType<OnednnAddon['info']> | null {
  return registered ? registered.info() : null;
}
