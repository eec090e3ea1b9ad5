/**
 * Recycles the Float32Arrays of disposed tensors, by length, so that kernel outputs land in
 * memory that is already mapped (a fresh 8 MB array costs about as much in page faults as a
 * convolution writes into it).
 *
 * Only arrays this pool handed out are ever recycled, and only when it is certain nothing else
 * can see them: an array is recycled when the backend releases the one tensor it was written
 * to (its refcount reached zero). It is never recycled ("pinned") once its values escaped:
 * read by `dataSync`/`data` (the cpu backend returns its storage itself), written to a second
 * tensor, or viewed by another array (a `subarray` slice shares the buffer).
 */
type State = 'taken' | 'live' | 'pinned' | 'free';

export interface BufferPoolStats {
  /** Arrays waiting in the pool and their bytes. */
  readonly freeArrays: number;
  readonly freeBytes: number;
  /** Arrays handed out that were recycled rather than allocated. */
  readonly reused: number;
  readonly allocated: number;
}

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly state = new WeakMap<ArrayBufferLike, { array: Float32Array; state: State }>();
  private freeBytes = 0;
  private freeArrays = 0;
  private reused = 0;
  private allocated = 0;

  /** @param maxFreeBytes Idle bytes kept at most; arrays released beyond that are left to the GC. */
  constructor(private readonly maxFreeBytes = 512 * 1024 * 1024) {}

  /** An array of `length` floats with unspecified contents; the caller must overwrite every value. */
  take(length: number): Float32Array {
    const list = this.free.get(length);
    const array = list?.pop();
    if (array) {
      this.freeBytes -= array.byteLength;
      this.freeArrays -= 1;
      this.reused += 1;
      (this.state.get(array.buffer) as { state: State }).state = 'taken';
      return array;
    }
    const fresh = new Float32Array(length);
    this.allocated += 1;
    this.state.set(fresh.buffer, { array: fresh, state: 'taken' });
    return fresh;
  }

  /** Returns a scratch array that was never written to a tensor. */
  give(array: Float32Array): void {
    const s = this.state.get(array.buffer);
    if (s && s.array === array && s.state === 'taken') this.recycle(s);
  }

  /** The backend stores `values` as a tensor's data. */
  noteWrite(values: unknown): void {
    const s = this.entry(values);
    if (!s) return;
    if (s.array === values && s.state === 'taken') s.state = 'live';
    else s.state = 'pinned';
  }

  /** `values` escaped to code outside the backend: never recycle it. */
  pin(values: unknown): void {
    const s = this.entry(values);
    if (s) s.state = 'pinned';
  }

  /** The backend dropped the last reference to a tensor whose data was `values`. */
  release(values: unknown): void {
    const s = this.entry(values);
    if (s && s.array === values && s.state === 'live') this.recycle(s);
  }

  stats(): BufferPoolStats {
    return { freeArrays: this.freeArrays, freeBytes: this.freeBytes, reused: this.reused, allocated: this.allocated };
  }

  /** Drops every idle array. */
  clear(): void {
    for (const list of this.free.values()) for (const a of list) this.state.delete(a.buffer);
    this.free.clear();
    this.freeBytes = 0;
    this.freeArrays = 0;
  }

  private entry(values: unknown): { array: Float32Array; state: State } | undefined {
    if (!ArrayBuffer.isView(values)) return undefined;
    return this.state.get(values.buffer);
  }

  private recycle(s: { array: Float32Array; state: State }): void {
    if (this.freeBytes + s.array.byteLength > this.maxFreeBytes) {
      s.state = 'pinned';
      return;
    }
    s.state = 'free';
    const list = this.free.get(s.array.length);
    if (list) list.push(s.array);
    else this.free.set(s.array.length, [s.array]);
    this.freeBytes += s.array.byteLength;
    this.freeArrays += 1;
  }
}
