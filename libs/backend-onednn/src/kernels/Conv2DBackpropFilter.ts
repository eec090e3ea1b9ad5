import { backend_util, Conv2DBackpropFilter, Conv2DBackpropFilterAttrs, Conv2DBackpropFilterInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from './conv_geometry';
import { cpuFallback, f32, KernelArgs, named, output } from './native';

const fallback = cpuFallback(Conv2DBackpropFilter);

/** Gradient of Conv2D with respect to its filter, on oneDNN's backward-weights primitive. */
export function conv2DBackpropFilter(args: KernelArgs<Conv2DBackpropFilterInputs, Conv2DBackpropFilterAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as Conv2DBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const geometry = convGeometry(info);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  if (!geometry || !xv || !dyv) return fallback(args as never) as TensorInfo;
  const out = output(backend, info.filterShape as number[]);
  named(Conv2DBackpropFilter, () => backend.native.conv2dBackpropFilter(xv, dyv, out.values, geometry));
  return out.info;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'onednn',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
