import { IdxArray, readIdxFile, writeIdxFile } from './idx';
import { assertOption } from './errors';
import { createRng, shuffleInPlace } from './random';

/**
 * Rows of a class-balanced random subset: at most `maxPerClass` of each label, drawn
 * without replacement from `seed`, returned in ascending row order.
 */
export function balancedSubsetIndices(labels: ArrayLike<number>, maxPerClass: number, seed: number): Int32Array {
  assertOption(Number.isInteger(maxPerClass) && maxPerClass >= 1, () => `maxPerClass must be a positive integer, got ${maxPerClass}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const rows = byClass.get(labels[i]) ?? [];
    rows.push(i);
    byClass.set(labels[i], rows);
  }
  const chosen: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = shuffleInPlace(byClass.get(label) as number[], createRng(seed, label));
    chosen.push(...rows.slice(0, maxPerClass));
  }
  return Int32Array.from(chosen.sort((a, b) => a - b));
}

/** Copies rows `indices` of an IDX array (first dimension) into a new IDX array. */
export function selectIdxRows(arr: IdxArray, indices: ArrayLike<number>): IdxArray {
  const row = arr.dims.slice(1).reduce((a, b) => a * b, 1);
  const data = new Uint8Array(indices.length * row);
  for (let k = 0; k < indices.length; k++) data.set(arr.data.subarray(indices[k] * row, (indices[k] + 1) * row), k * row);
  return { dims: [indices.length, ...arr.dims.slice(1)], data };
}

/**
 * Writes a class-balanced random subset of an IDX image/label pair: at most `maxPerClass`
 * rows per label, drawn from `seed`, kept in source order. Output files are gzip-compressed
 * when their names end in `.gz`. Returns the number of rows written.
 */
export async function writeBalancedIdxSubset(
  src: { readonly images: string; readonly labels: string },
  out: { readonly images: string; readonly labels: string },
  maxPerClass: number,
  seed: number,
): Promise<number> {
  const [images, labels] = await Promise.all([readIdxFile(src.images), readIdxFile(src.labels)]);
  const rows = balancedSubsetIndices(labels.data, maxPerClass, seed);
  await writeIdxFile(out.images, selectIdxRows(images, rows));
  await writeIdxFile(out.labels, selectIdxRows(labels, rows));
  return rows.length;
}
