import { backend_util, BatchMatMul, BatchMatMulAttrs, BatchMatMulInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { cpuFallback, f32, KernelArgs, named, output } from './native';

const fallback = cpuFallback(BatchMatMul);

/** BatchMatMul on oneDNN's sgemm; batch dimensions equal, or one side without a batch (broadcast). */
export function batchMatMul(args: KernelArgs<BatchMatMulInputs, BatchMatMulAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as BatchMatMulAttrs;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (!av || !bv || ra < 2 || rb < 2) return fallback(args as never) as TensorInfo;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchDimsA = a.shape.slice(0, -2);
  const batchDimsB = b.shape.slice(0, -2);
  const prod = (s: number[]) => s.reduce((p, q) => p * q, 1);
  const batchA = prod(batchDimsA);
  const batchB = prod(batchDimsB);
  const same = batchDimsA.length === batchDimsB.length && batchDimsA.every((d, i) => d === batchDimsB[i]);
  if (k !== kb || !(same || batchA === 1 || batchB === 1)) return fallback(args as never) as TensorInfo;
  const batchDims = backend_util.assertAndGetBroadcastShape(batchDimsA, batchDimsB);
  const out = output(backend, [...batchDims, m, n]);
  named(BatchMatMul, () => backend.native.batchMatMul(av, bv, out.values, batchA, batchB, m, n, k, Boolean(transposeA), Boolean(transposeB)));
  return out.info;
}

export const batchMatMulConfig: KernelConfig = { kernelName: BatchMatMul, backendName: 'onednn', kernelFunc: batchMatMul as unknown as KernelFunc };
