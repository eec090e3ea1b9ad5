import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { AdvlabReluGrad } from '@advlab/model';
import { f32, KernelArgs, named, output } from './native';

/** `dy * (y > 0)` in one pass. */
export function reluGrad(args: KernelArgs<{ dy: TensorInfo; y: TensorInfo }>): TensorInfo {
  const { inputs, backend } = args;
  const { dy, y } = inputs;
  const [dyv, yv] = [f32(backend, dy), f32(backend, y)];
  if (!dyv || !yv || dy.shape.join() !== y.shape.join()) {
    throw new Error(`${AdvlabReluGrad}: expected float32 dy and y of one shape, got [${dy.shape}] and [${y.shape}]`);
  }
  const out = output(backend, y.shape);
  named(AdvlabReluGrad, () => backend.native.reluGrad(dyv, yv, out.values, out.values.length));
  return out.info;
}

export const reluGradConfig: KernelConfig = { kernelName: AdvlabReluGrad, backendName: 'onednn', kernelFunc: reluGrad as unknown as KernelFunc };
