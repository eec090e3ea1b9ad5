import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { AdvlabBatchNormTrain } from '@advlab/model';
import { f32, KernelArgs, named, output } from './native';

interface Inputs {
  x: TensorInfo;
  gamma: TensorInfo;
  beta: TensorInfo;
}

/** Batch norm with batch statistics (and ReLU) in two OpenMP passes; see the kernel name's doc. */
export function batchNormTrain(args: KernelArgs<Inputs, { epsilon: number; relu: boolean }>): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, gamma, beta } = inputs;
  const c = x.shape[x.shape.length - 1];
  const [xv, gv, bv] = [f32(backend, x), f32(backend, gamma), f32(backend, beta)];
  if (!xv || !gv || !bv || gamma.shape[0] !== c || beta.shape[0] !== c) {
    throw new Error(`${AdvlabBatchNormTrain}: expected float32 x [..., c], gamma [c], beta [c]; got [${x.shape}], [${gamma.shape}], [${beta.shape}]`);
  }
  const y = output(backend, x.shape);
  const mean = output(backend, [c]);
  const invStd = output(backend, [c]);
  const unbiasedVar = output(backend, [c]);
  named(AdvlabBatchNormTrain, () =>
    backend.native.batchNormTrain(xv, gv, bv, attrs?.epsilon ?? 1e-5, Boolean(attrs?.relu), y.values, mean.values, invStd.values, unbiasedVar.values),
  );
  return [y.info, mean.info, invStd.info, unbiasedVar.info];
}

export const batchNormTrainConfig: KernelConfig = { kernelName: AdvlabBatchNormTrain, backendName: 'onednn', kernelFunc: batchNormTrain as unknown as KernelFunc };
