import type { DatasetView, SampleView } from '@advlab/dashboard-util';

export interface ClassCountRow {
  [key: string]: string | number;
  label: string;
  train: number;
  test: number;
}

/** Per-class image counts, one row per class in label order. */
export function classCountRows(dataset: DatasetView): ClassCountRow[] {
  return dataset.classNames.map((label, i) => ({ label, train: dataset.trainCounts[i] ?? 0, test: dataset.testCounts[i] ?? 0 }));
}

export function totals(dataset: DatasetView): { train: number; test: number } {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return { train: sum(dataset.trainCounts), test: sum(dataset.testCounts) };
}

/** "Dress 62% · Shirt 38%" for a mixed sample; the label alone when unmixed. */
export function mixingCaption(sample: SampleView): string {
  if (sample.weights.length <= 1) return sample.label;
  return sample.weights.map((w) => `${w.label} ${Math.round(w.weight * 100)}%`).join(' · ');
}
