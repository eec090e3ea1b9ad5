import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { AdvlabDropoutMask } from '@advlab/model';
import { KernelArgs, named, output } from './native';

interface Attrs {
  shape: number[];
  rate: number;
  seed: number;
  layer: number;
}

/** The dropout mask of libs/model's `dropoutMask`, drawn natively with the same generator. */
export function dropoutMask(args: KernelArgs<{ imageIds: TensorInfo }, Attrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { shape, rate, seed, layer } = attrs as Attrs;
  const ids = backend.data.get(inputs.imageIds.dataId).values;
  if (!(ids instanceof Int32Array) || ids.length !== shape[0]) {
    throw new Error(`${AdvlabDropoutMask}: expected ${shape[0]} int32 image ids for a mask of [${shape}]`);
  }
  const out = output(backend, shape);
  const perImage = out.values.length / shape[0];
  const threshold = Math.floor(rate * 4294967296);
  named(AdvlabDropoutMask, () => backend.native.dropoutMask(ids, perImage, seed >>> 0, layer >>> 0, threshold >>> 0, 1 / (1 - rate), out.values));
  return out.info;
}

export const dropoutMaskConfig: KernelConfig = { kernelName: AdvlabDropoutMask, backendName: 'onednn', kernelFunc: dropoutMask as unknown as KernelFunc };
