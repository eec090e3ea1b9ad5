import { ModelConfig } from '../config';
import { BackendName } from '../backend';
import { LossName } from '../losses';
import { BatchStatsValues } from '../model';

/** Messages between the training thread and a gradient worker. */
export type ToWorker =
  | { readonly type: 'init'; readonly config: ModelConfig; readonly numClasses: number; readonly backend: BackendName }
  | {
      readonly type: 'step';
      readonly id: number;
      /** Current trainable parameters by name. */
      readonly params: Record<string, Float32Array>;
      /** The shard's pixels `[n, size, size, 3]` and label weights `[n, classes]`. */
      readonly x: Float32Array;
      readonly n: number;
      readonly targets: Float32Array;
      readonly loss: LossName;
      readonly dropoutSeed: number;
      /** Position of the shard's first image in the whole batch (dropout draws are per image). */
      readonly firstImage: number;
    }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'ready' }
  | {
      readonly type: 'step';
      readonly id: number;
      readonly loss: number;
      readonly correct: number;
      readonly grads: Record<string, Float32Array>;
      readonly batchStats: Record<string, BatchStatsValues>;
    }
  | { readonly type: 'error'; readonly id: number | null; readonly message: string };
