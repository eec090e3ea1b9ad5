import { backend_util, KernelConfig, KernelFunc, MaxPool, MaxPoolAttrs, MaxPoolInputs, TensorInfo } from '@tensorflow/tfjs-core';
import { cpuFallback, f32, KernelArgs, named, output } from './native';
import { poolGeometry } from './pool_geometry';

const fallback = cpuFallback(MaxPool);

/** MaxPool over NHWC with OpenMP (one output row per iteration, vectorised over channels). */
export function maxPool(args: KernelArgs<MaxPoolInputs, MaxPoolAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as MaxPoolAttrs;
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const geometry = poolGeometry(info);
  const xv = f32(backend, x);
  if (!geometry || !xv || x.shape.length !== 4) return fallback(args as never) as TensorInfo;
  const out = output(backend, info.outShape);
  named(MaxPool, () => backend.native.maxPool(xv, out.values, geometry));
  return out.info;
}

export const maxPoolConfig: KernelConfig = { kernelName: MaxPool, backendName: 'onednn', kernelFunc: maxPool as unknown as KernelFunc };
