import { KernelConfig, KernelFunc, TensorInfo, util } from '@tensorflow/tfjs-core';
import { cpuFallback, f32, KernelArgs, named, output } from './native';

/** Operation codes of the addon's `reduce` (the order of binding.cc's kReduce). */
export const REDUCE_OP = { Sum: 0, Mean: 1, Max: 2, Min: 3 } as const;

/**
 * A reduction of a float32 tensor over a contiguous run of axes (`[0,1,2]` of NHWC: per
 * channel; `[1,2]`: global average pooling; the last axis: rows), viewed as [outer, reduce,
 * inner]. Other axis sets and dtypes go to the cpu kernel.
 */
export function reduceKernel(kernelName: string, op: number, axisAttr: 'axis' | 'reductionIndices'): KernelConfig {
  const fallback = cpuFallback(kernelName);
  const kernelFunc = (args: KernelArgs<{ x: TensorInfo }, Record<string, unknown>>): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x;
    const xv = f32(backend, x);
    const axes = util.parseAxisParam((attrs?.[axisAttr] ?? x.shape.map((_, i) => i)) as number | number[], x.shape).sort((p, q) => p - q);
    const contiguous = axes.length > 0 && axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
    if (!xv || !contiguous || x.shape.some((d) => d === 0)) return fallback(args as never) as TensorInfo;
    const first = axes[0];
    const last = axes[axes.length - 1];
    const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const outer = prod(x.shape.slice(0, first));
    const reduce = prod(x.shape.slice(first, last + 1));
    const inner = prod(x.shape.slice(last + 1));
    const keepDims = Boolean(attrs?.keepDims);
    const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const out = output(backend, shape);
    named(kernelName, () => backend.native.reduce(op, outer, reduce, inner, xv, out.values));
    return out.info;
  };
  return { kernelName, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}
