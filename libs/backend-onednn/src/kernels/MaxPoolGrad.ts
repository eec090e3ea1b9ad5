import { backend_util, KernelConfig, KernelFunc, MaxPoolGrad, MaxPoolGradAttrs, MaxPoolGradInputs, TensorInfo } from '@tensorflow/tfjs-core';
import { cpuFallback, f32, KernelArgs, named, output } from './native';
import { poolGeometry } from './pool_geometry';

const fallback = cpuFallback(MaxPoolGrad);

/** MaxPoolGrad: each dy to the first maximum of its window (the cpu kernel's routing), OpenMP. */
export function maxPoolGrad(args: KernelArgs<MaxPoolGradInputs, MaxPoolGradAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const geometry = poolGeometry(info);
  const xv = f32(backend, input);
  const dyv = f32(backend, dy);
  if (!geometry || !xv || !dyv) return fallback(args as never) as TensorInfo;
  const out = output(backend, input.shape);
  named(MaxPoolGrad, () => backend.native.maxPoolGrad(xv, dyv, out.values, geometry));
  return out.info;
}

export const maxPoolGradConfig: KernelConfig = { kernelName: MaxPoolGrad, backendName: 'onednn', kernelFunc: maxPoolGrad as unknown as KernelFunc };
