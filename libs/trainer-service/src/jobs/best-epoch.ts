import { RunKind } from '@advlab/contract';

/**
 * The one rule for a run's best epoch, used for its checkpoint, its early stop and the figures
 * it reports (the run's best accuracy, the model's accuracy, a sweep trial's score):
 *
 * - a standard run selects on **validation accuracy**;
 * - an adversarial run selects on **robust validation accuracy** (PGD on its fixed validation
 *   subset), since robustness is what it trains for;
 * - ties keep the earlier epoch; without validation data, training accuracy stands in.
 *
 * Early stopping (`training.early_stopping_patience` > 0) ends a run once that many epochs in a
 * row have not improved the selection metric.
 */
export type SelectionMetric = 'validation-accuracy' | 'robust-validation-accuracy';

/** The selection metric of a kind of run. */
export function selectionMetric(kind: RunKind): SelectionMetric {
  return kind === RunKind.RUN_KIND_ADVERSARIAL_TRAIN ? 'robust-validation-accuracy' : 'validation-accuracy';
}

/** What an epoch reports that the rule reads. */
export interface ScoredEpoch {
  /** 0-based. */
  readonly epoch: number;
  readonly trainAccuracy: number;
  readonly valAccuracy: number | null;
  readonly robustAccuracy?: number;
}

/** Tracks the best epoch of one run under {@link selectionMetric}'s rule. */
export class BestEpoch<T extends ScoredEpoch = ScoredEpoch> {
  private bestScore = -Infinity;
  private bestEpoch: T | undefined;

  constructor(
    readonly metric: SelectionMetric,
    /** Epochs without improvement before stopping; 0 never stops early. */
    private readonly patience = 0,
  ) {}

  /** The score of an epoch under the rule. */
  score(m: ScoredEpoch): number {
    if (this.metric === 'robust-validation-accuracy' && m.robustAccuracy !== undefined) return m.robustAccuracy;
    return m.valAccuracy ?? m.trainAccuracy;
  }

  /** Records an epoch: whether it is the new best, and whether the run should stop after it. */
  consider(m: T): { improved: boolean; stop: boolean } {
    const score = this.score(m);
    const improved = score > this.bestScore;
    if (improved) {
      this.bestScore = score;
      this.bestEpoch = m;
    }
    const since = this.bestEpoch ? m.epoch - this.bestEpoch.epoch : 0;
    return { improved, stop: this.patience > 0 && since >= this.patience };
  }

  /** The best epoch so far, if any. */
  get best(): T | undefined {
    return this.bestEpoch;
  }

  /** Its score (-Infinity before the first epoch). */
  get bestValue(): number {
    return this.bestScore;
  }
}
