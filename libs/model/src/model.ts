import * as tf from '@tensorflow/tfjs-core';
import { ModelConfig, withModelDefaults, validateNumClasses } from './config';
import { LossName, probabilities } from './losses';
import { BN_MOMENTUM, forward, NamedTensors } from './network';
import { countParameters, initialValues, NetworkLayout, networkLayout } from './params';

/** Options of {@link Model.forward}. */
export interface ModelForwardOptions {
  /** Training mode (batch statistics, dropout). Default false. Running statistics are not updated here. */
  readonly training?: boolean;
  /** Dropout seed in training mode. Default 0. */
  readonly dropoutSeed?: number;
  /** One id per image for the dropout draws. Default `0..n-1`. */
  readonly imageIds?: ArrayLike<number>;
}

/** Per-channel batch statistics of one BN layer as plain arrays (mean includes the conv bias). */
export interface BatchStatsValues {
  readonly mean: Float32Array;
  /** Unbiased variance. */
  readonly unbiasedVar: Float32Array;
  /** Values per channel they were computed over. */
  readonly count: number;
}

/**
 * The notebook's CNN with its weights: trainable parameters and BN running statistics held
 * in `tf.Variable`s on the active backend, named like PyTorch's state_dict
 * (`stem.conv.weight`, `blocks.0.bn1.running_mean`, `head.bias`, ...). Conv weights are
 * stored `[kh, kw, in, out]`, the linear layer `[in, classes]`.
 *
 * Inputs everywhere are `[n, imageSize, imageSize, 3]` float32 pixels in [0, 1] (NHWC);
 * the model normalises them to [-1, 1] itself.
 */
export class Model {
  readonly layout: NetworkLayout;
  /** Trainable parameters by name. */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /** Batch-norm running means and variances by name. */
  readonly bnState: Readonly<Record<string, tf.Variable>>;
  private disposed = false;

  constructor(
    readonly config: ModelConfig,
    readonly numClasses: number,
    seed = 0,
  ) {
    this.layout = networkLayout(config, numClasses);
    const init = initialValues([...this.layout.params, ...this.layout.state], seed);
    const make = (specs: NetworkLayout['params']) =>
      Object.fromEntries(specs.map((s) => [s.name, tf.tidy(() => tf.variable(tf.tensor(init.get(s.name) as Float32Array, [...s.shape]), true))]));
    this.params = make(this.layout.params);
    this.bnState = make(this.layout.state);
  }

  /** Logits `[n, numClasses]` for `x` `[n, size, size, 3]` in [0, 1]. */
  forward(x: tf.Tensor4D, opts: ModelForwardOptions = {}): tf.Tensor2D {
    this.checkInput(x);
    return tf.tidy(
      () =>
        forward(this.layout, this.params, this.bnState, x, {
          training: opts.training ?? false,
          dropout: { seed: opts.dropoutSeed ?? 0, imageIds: opts.imageIds },
        }).logits,
    );
  }

  /** Evaluation-mode class scores: softmax for `cross-entropy` (default), sigmoids for `ova`. */
  predictProba(x: tf.Tensor4D, loss: LossName = 'cross-entropy'): tf.Tensor2D {
    return tf.tidy(() => probabilities(loss, this.forward(x)));
  }

  /** Evaluation-mode predicted class per image, `[n]` int32. */
  predictClasses(x: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => tf.argMax(this.forward(x), 1) as tf.Tensor1D);
  }

  /** Trainable parameter count (equal to PyTorch's for the same configuration). */
  numParameters(): number {
    return countParameters(this.layout);
  }

  /** Copies of all parameters and running statistics by name. */
  getWeights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries({ ...this.params, ...this.bnState })) {
      out[name] = v.dataSync() as Float32Array;
    }
    return out;
  }

  /** Overwrites named parameters and/or running statistics; throws on unknown names or sizes. */
  setWeights(values: Readonly<Record<string, ArrayLike<number>>>): void {
    for (const [name, data] of Object.entries(values)) {
      const v = this.params[name] ?? this.bnState[name];
      if (!v) throw new Error(`setWeights: the model has no tensor named ${name}`);
      if (data.length !== v.size) throw new Error(`setWeights: ${name} needs ${v.size} values (shape [${v.shape}]), got ${data.length}`);
      tf.tidy(() => v.assign(tf.tensor(data as Float32Array, v.shape, 'float32')));
    }
  }

  /** Overwrites named parameters with tensors of matching shapes (e.g. after an optimiser step). */
  assignParams(values: NamedTensors): void {
    for (const [name, t] of Object.entries(values)) {
      const v = this.params[name];
      if (!v) throw new Error(`assignParams: no parameter named ${name}`);
      v.assign(t);
    }
  }

  /**
   * Blends batch statistics into the running estimates as PyTorch does:
   * `running = (1 - momentum) * running + momentum * batch` (unbiased variance).
   */
  updateRunningStats(stats: Readonly<Record<string, BatchStatsValues>>): void {
    for (const unit of this.bnUnits()) {
      const s = stats[unit.runningMean];
      if (!s) continue;
      tf.tidy(() => {
        const blend = (v: tf.Variable, batch: Float32Array) => v.assign(tf.add(tf.mul(v, 1 - BN_MOMENTUM), tf.mul(tf.tensor1d(batch), BN_MOMENTUM)));
        blend(this.bnState[unit.runningMean], s.mean);
        blend(this.bnState[unit.runningVar], s.unbiasedVar);
      });
    }
  }

  /** Releases the variables. The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...Object.values(this.params), ...Object.values(this.bnState)]);
  }

  /** Throws unless `x` is `[n, imageSize, imageSize, 3]` float32. */
  checkInput(x: tf.Tensor): void {
    const s = this.config.imageSize;
    if (x.rank !== 4 || x.shape[1] !== s || x.shape[2] !== s || x.shape[3] !== 3) {
      throw new Error(`expected images [n, ${s}, ${s}, 3], got [${x.shape}]`);
    }
    if (x.dtype !== 'float32') throw new Error(`expected float32 pixels in [0, 1], got ${x.dtype}`);
  }

  private bnUnits() {
    const units = [this.layout.stem, ...this.layout.blocks.flatMap((b) => [b.conv1, b.conv2])];
    return units.flatMap((u) => (u.bn ? [u.bn] : []));
  }
}

/**
 * Creates the notebook's CNN with PyTorch-default initialisation drawn from `seed`
 * (same seed, same weights). Missing config fields take `DEFAULT_MODEL_CONFIG` values.
 */
export function createModel(config: Partial<ModelConfig>, numClasses: number, seed = 0): Model {
  validateNumClasses(numClasses);
  return new Model(withModelDefaults(config), numClasses, seed);
}

