import type { ClassProbability, Prediction } from './gen/advlab/v1/resources';
import type { ImagePrediction } from './gen/advlab/v1/trainer_service';

/** A `Prediction` with the `k` most likely classes, from one row of class probabilities. */
export function predictionOf(probs: ArrayLike<number>, classNames: readonly string[], k: number): Prediction {
  const order = Array.from(probs, (p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
  const topK: ClassProbability[] = order.slice(0, Math.max(1, k)).map(([p, i]) => ({ classIndex: i, label: classNames[i] ?? String(i), probability: p }));
  return { classIndex: topK[0].classIndex, label: topK[0].label, confidence: topK[0].probability, topK };
}

/** Quotes a CSV field when it needs it. */
const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The submission CSV of predictions: `id,label`, plus `label_2..label_k` for `topK` > 1; unreadable images left out. */
export function submissionCsv(predictions: readonly ImagePrediction[], topK: number): string {
  const extra = Array.from({ length: Math.max(0, topK - 1) }, (_, i) => `label_${i + 2}`);
  const header = ['id', 'label', ...extra].join(',');
  const rows = predictions
    .filter((p) => !p.error && p.prediction)
    .map((p) => [p.id, p.prediction?.label ?? '', ...extra.map((_, i) => p.prediction?.topK[i + 1]?.label ?? '')].map(csvField).join(','));
  return [header, ...rows].join('\n') + '\n';
}
