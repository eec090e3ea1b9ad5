import { backend_util, Conv2DBackpropInput, Conv2DBackpropInputAttrs, Conv2DBackpropInputInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from './conv_geometry';
import { cpuFallback, f32, KernelArgs, named, output } from './native';

const fallback = cpuFallback(Conv2DBackpropInput);

/** Gradient of Conv2D with respect to its input, on oneDNN's backward-data primitive. */
export function conv2DBackpropInput(args: KernelArgs<Conv2DBackpropInputInputs, Conv2DBackpropInputAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as Conv2DBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const geometry = convGeometry(info);
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  if (!geometry || !dyv || !wv) return fallback(args as never) as TensorInfo;
  const out = output(backend, info.inShape as number[]);
  named(Conv2DBackpropInput, () => backend.native.conv2dBackpropInput(dyv, wv, out.values, geometry));
  return out.info;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'onednn',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
