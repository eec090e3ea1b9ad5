import { backend_util, BinaryInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { cpuFallback, f32, KernelArgs, named, output } from './native';

/** Operation codes of the addon's `binary` (the order of binding.cc's kBinary). */
export const BINARY_OP = { Add: 0, Sub: 1, Mul: 2, Div: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 } as const;

/** A broadcasting element-wise kernel on float32 inputs; other dtypes on the cpu kernel. */
export function binaryKernel(kernelName: string, op: number): KernelConfig {
  const fallback = cpuFallback(kernelName);
  const kernelFunc = (args: KernelArgs<BinaryInputs>): TensorInfo => {
    const { inputs, backend } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const av = f32(backend, a);
    const bv = f32(backend, b);
    if (!av || !bv) return fallback(args as never) as TensorInfo;
    const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const rank = shape.length;
    const pad = (s: number[]) => [...Array(rank - s.length).fill(1), ...s];
    const out = output(backend, shape);
    named(kernelName, () => backend.native.binary(op, shape, av, pad(a.shape), bv, pad(b.shape), out.values));
    return out.info;
  };
  return { kernelName, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}
