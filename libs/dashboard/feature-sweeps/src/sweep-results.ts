import type { TrialView } from '@advlab/dashboard-util';

const SHORT_NAMES: Readonly<Record<string, string>> = {
  learning_rate: 'lr',
  feature_maps: 'maps',
  use_skip: 'skip',
  batch_size: 'bs',
  drop_rate: 'dropout',
  batch_norm: 'bn',
  color_jitter: 'jitter',
};

/** The short name of a config path: "training.learning_rate" -> "lr", "training.augmentation.mixup.alpha" -> "mixup.alpha". */
export function axisName(path: string): string {
  const parts = path.split('.');
  const last = parts[parts.length - 1];
  if (last === 'alpha' && parts.length > 1) return `${parts[parts.length - 2]}.alpha`;
  return SHORT_NAMES[last] ?? last;
}

/** "lr=0.001, skip=true": the axis values of a trial. */
export function trialLabel(trial: Pick<TrialView, 'overrides'>): string {
  return Object.entries(trial.overrides)
    .map(([path, value]) => `${axisName(path)}=${value}`)
    .join(', ');
}

/** Trials best first: by rank when ranked, finished before unfinished, then by grid index. */
export function rankedTrials(trials: readonly TrialView[]): TrialView[] {
  return [...trials].sort((a, b) => (a.rank || Infinity) - (b.rank || Infinity) || a.index - b.index);
}

export interface TrialBarRow {
  [key: string]: string | number | null;
  config: string;
  val: number;
  robust: number | null;
}

/** One bar group per configuration in grid order, so the chart reads like the grid. */
export function trialBarRows(trials: readonly TrialView[]): TrialBarRow[] {
  return [...trials]
    .filter((t) => t.status === 'succeeded')
    .sort((a, b) => a.index - b.index)
    .map((t) => ({ config: trialLabel(t), val: t.valAccuracy, robust: t.robustAccuracy }));
}
