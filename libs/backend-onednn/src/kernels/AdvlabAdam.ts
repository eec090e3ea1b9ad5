import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { AdvlabAdam } from '@advlab/model';
import { f32, KernelArgs, named, output } from './native';

interface Inputs {
  param: TensorInfo;
  grad: TensorInfo;
  m: TensorInfo;
  v: TensorInfo;
}

interface Attrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  step: number;
}

/** One fused Adam step (parameter and both moments in one pass). */
export function adam(args: KernelArgs<Inputs, Attrs>): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { param, grad, m, v } = inputs;
  const a = attrs as Attrs;
  const values = [param, grad, m, v].map((t) => f32(backend, t));
  if (values.some((x) => x === null || x.length !== values[0]?.length)) {
    throw new Error(`${AdvlabAdam}: expected float32 param, grad, m and v of one shape, got [${param.shape}], [${grad.shape}], [${m.shape}], [${v.shape}]`);
  }
  const [pv, gv, mv, vv] = values as Float32Array[];
  const p2 = output(backend, param.shape);
  const m2 = output(backend, param.shape);
  const v2 = output(backend, param.shape);
  const hyper = Float64Array.of(a.learningRate, a.beta1, a.beta2, a.epsilon, a.weightDecay, 1 - a.beta1 ** a.step, 1 - a.beta2 ** a.step);
  named(AdvlabAdam, () => backend.native.adam(pv, gv, mv, vv, p2.values, m2.values, v2.values, hyper));
  return [p2.info, m2.info, v2.info];
}

export const adamConfig: KernelConfig = { kernelName: AdvlabAdam, backendName: 'onednn', kernelFunc: adam as unknown as KernelFunc };
