// The cpu backend's kernels must be registered: they are this backend's fallbacks.
import '@tensorflow/tfjs-backend-cpu';
import { getKernel, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { OnednnBackend } from '../backend_onednn';

/** The float32 storage of `t`, or null when it is not a plain Float32Array (then a kernel falls back). */
export function f32(backend: OnednnBackend, t: TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array ? values : null;
}

/** A new float32 tensor of `shape` whose storage the caller fills. */
export function output(backend: OnednnBackend, shape: number[]): { info: TensorInfo; values: Float32Array } {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = backend.outputArray(size);
  return { info: backend.makeTensorInfo(shape, 'float32', values), values };
}

/** The cpu backend's implementation of `kernelName`, for inputs the native kernel does not take. */
export function cpuFallback(kernelName: string): KernelFunc {
  return (args) => {
    const config = getKernel(kernelName, 'cpu');
    if (!config) throw new Error(`onednn: the cpu backend has no ${kernelName} kernel to fall back to`);
    return config.kernelFunc(args);
  };
}

/** The arguments tfjs passes a kernel function, typed for this backend. */
export interface KernelArgs<I, A = NamedAttrMap> {
  readonly inputs: I;
  readonly backend: OnednnBackend;
  readonly attrs?: A;
}

/** Runs `fn`, prefixing any failure with the kernel's name. */
export function named<T>(kernelName: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(msg.startsWith(kernelName) ? msg : `${kernelName}: ${msg}`);
  }
}
