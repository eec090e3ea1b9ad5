import type { ClassProbability, Prediction } from './gen/advlab/v1/resources';

/** A `Prediction` with the `k` most likely classes, from one row of class probabilities. */
export function predictionOf(probs: ArrayLike<number>, classNames: readonly string[], k: number): Prediction {
  const order = Array.from(probs, (p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
  const topK: ClassProbability[] = order.slice(0, Math.max(1, k)).map(([p, i]) => ({ classIndex: i, label: classNames[i] ?? String(i), probability: p }));
  return { classIndex: topK[0].classIndex, label: topK[0].label, confidence: topK[0].probability, topK };
}
