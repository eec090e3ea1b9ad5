/** Learning-rate schedules over the whole run. */
export type LrScheduleName = 'constant' | 'cosine';

/** The schedules {@link LrScheduleName} accepts. */
export const LR_SCHEDULES: readonly LrScheduleName[] = ['constant', 'cosine'];

/**
 * Learning rate at optimiser step `step` (0-based) of `totalSteps`: `base` throughout for
 * `constant`; for `cosine`, a linear warm-up over `warmupSteps` then a half cosine from `base`
 * down to `base * minFactor` at the last step (Loshchilov and Hutter, 2017, without restarts).
 */
export function learningRate(schedule: LrScheduleName, base: number, step: number, totalSteps: number, warmupSteps = 0, minFactor = 0): number {
  if (schedule === 'constant') return base;
  if (step < warmupSteps) return (base * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps - 1);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return base * (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
