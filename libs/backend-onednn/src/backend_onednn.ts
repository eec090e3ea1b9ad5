import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BackendValues, DataType } from '@tensorflow/tfjs-core';
import { OnednnAddon } from './addon';
import { BufferPool, BufferPoolStats } from './buffer_pool';

type DataId = object;

/** What `tf.memory()` reports on this backend, besides the engine's own counts. */
export interface OnednnMemoryInfo {
  unreliable: boolean;
  reasons: string[];
  /** Idle recycled arrays (not tensors: `numBytes` counts live tensors only). */
  readonly pool: BufferPoolStats;
  /** oneDNN primitives cached by shape. */
  readonly cachedPrimitives: number;
}

/**
 * tfjs-backend-cpu with native kernels: the same storage (a JS TypedArray per tensor, so every
 * cpu kernel registered under this backend's name runs unchanged), the hot kernels replaced by
 * the oneDNN/OpenMP addon reading and writing those arrays in place, and a {@link BufferPool}
 * for kernel outputs.
 */
export class OnednnBackend extends MathBackendCPU {
  readonly pool = new BufferPool();

  constructor(readonly native: OnednnAddon) {
    super();
    // The cpu backend's first write advises installing tfjs-node; this backend is the native one.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A Float32Array of `size` values for a kernel output (recycled when possible). */
  outputArray(size: number): Float32Array {
    return this.pool.take(size);
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    this.pool.noteWrite(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.pool.noteWrite(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): BackendValues {
    // The cpu backend hands out its storage itself: once read, an array is the caller's too.
    if (this.data.has(dataId)) this.pool.pin(this.data.get(dataId).values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (released && values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return released;
  }

  override memory(): OnednnMemoryInfo {
    return {
      unreliable: true,
      reasons: ['numBytes counts live tensors; idle recycled arrays are reported under pool'],
      pool: this.pool.stats(),
      cachedPrimitives: this.native.info().cachedPrimitives,
    };
  }

  override dispose(): void {
    this.pool.clear();
    this.native.clearCache();
    super.dispose();
  }
}
