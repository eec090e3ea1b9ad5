import { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import { cpuFallback, f32, KernelArgs, named, output } from './native';

/** Operation codes of the addon's `unary` (the order of binding.cc's kUnary). */
export const UNARY_OP = { Relu: 0, Sign: 1, Step: 2, Neg: 3, Abs: 4, Square: 5, Sqrt: 6, Rsqrt: 7, Exp: 8, Log: 9, ClipByValue: 10 } as const;

/** An element-wise kernel on a float32 input; `params` reads its two scalar attributes. */
export function unaryKernel(kernelName: string, op: number, params: (attrs: NamedAttrMap) => [number, number] = () => [0, 0]): KernelConfig {
  const fallback = cpuFallback(kernelName);
  const kernelFunc = (args: KernelArgs<UnaryInputs>): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const xv = f32(backend, x);
    if (!xv) return fallback(args as never) as TensorInfo;
    const [alpha, beta] = params(attrs ?? {});
    const out = output(backend, x.shape);
    named(kernelName, () => backend.native.unary(op, xv, out.values, out.values.length, alpha, beta));
    return out.info;
  };
  return { kernelName, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}
