import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { AdvlabBatchNormTrainGrad } from '@advlab/model';
import { f32, KernelArgs, named, output } from './native';

interface Inputs {
  dy: TensorInfo;
  x: TensorInfo;
  y?: TensorInfo;
  mean: TensorInfo;
  invStd: TensorInfo;
  gamma: TensorInfo;
}

/** Backward of batch norm (and of the ReLU after it when `y` is given) in two OpenMP passes. */
export function batchNormTrainGrad(args: KernelArgs<Inputs>): TensorInfo[] {
  const { inputs, backend } = args;
  const { dy, x, y, mean, invStd, gamma } = inputs;
  const c = x.shape[x.shape.length - 1];
  const v = [dy, x, mean, invStd, gamma].map((t) => f32(backend, t));
  const yv = y ? f32(backend, y) : null;
  if (v.some((a) => a === null) || (y && !yv) || dy.shape.join() !== x.shape.join() || gamma.shape[0] !== c) {
    throw new Error(`${AdvlabBatchNormTrainGrad}: expected float32 dy and x of one shape [..., c] and [c] statistics; got dy [${dy.shape}], x [${x.shape}], gamma [${gamma.shape}]`);
  }
  const [dyv, xv, mv, sv, gv] = v as Float32Array[];
  const dx = output(backend, x.shape);
  const dgamma = output(backend, [c]);
  const dbeta = output(backend, [c]);
  named(AdvlabBatchNormTrainGrad, () => backend.native.batchNormTrainGrad(dyv, xv, yv, mv, sv, gv, dx.values, dgamma.values, dbeta.values));
  return [dx.info, dgamma.info, dbeta.info];
}

export const batchNormTrainGradConfig: KernelConfig = {
  kernelName: AdvlabBatchNormTrainGrad,
  backendName: 'onednn',
  kernelFunc: batchNormTrainGrad as unknown as KernelFunc,
};
