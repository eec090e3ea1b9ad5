import { INPUT_CHANNELS, ModelConfig, validateModelConfig, validateNumClasses } from './config';
import { Rng } from './random';

/** How a tensor is initialised: PyTorch's defaults for each layer kind. */
export type ParamInit =
  /** `U(-1/sqrt(fanIn), 1/sqrt(fanIn))`: kaiming-uniform with a = sqrt(5) for weights, and the matching bias init. */
  | { readonly kind: 'fan-in-uniform'; readonly fanIn: number }
  | { readonly kind: 'ones' }
  | { readonly kind: 'zeros' };

/** One named tensor of the model. Conv weights are `[kh, kw, in, out]` (TensorFlow layout). */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
}

/** Names of one batch-norm layer's parameters and running statistics. */
export interface BatchNormNames {
  readonly gamma: string;
  readonly beta: string;
  readonly runningMean: string;
  readonly runningVar: string;
}

/** A 3x3 'same' convolution (+ batch norm when enabled) + ReLU. */
export interface ConvUnit {
  readonly weight: string;
  readonly bias: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly bn: BatchNormNames | null;
}

/** One block: two conv units, 2x2 max-pool, dropout, and an optional skip path. */
export interface BlockLayout {
  readonly conv1: ConvUnit;
  readonly conv2: ConvUnit;
  /** `conv`: 1x1 stride-2 conv (`weight` `[1, 1, in, out]`); `pool`: 2x2 max-pool (equal channels). */
  readonly skip: { readonly kind: 'conv'; readonly weight: string; readonly bias: string } | { readonly kind: 'pool' } | null;
}

/** The whole network's structure and the names of its tensors. */
export interface NetworkLayout {
  readonly stem: ConvUnit;
  readonly blocks: readonly BlockLayout[];
  readonly head: { readonly weight: string; readonly bias: string; readonly inFeatures: number; readonly numClasses: number };
  /** Dropout probability at the end of each block (0: none). */
  readonly dropRate: number;
  /** Trainable tensors, in a fixed order (the order of initialisation and of checkpoints). */
  readonly params: readonly ParamSpec[];
  /** Batch-norm running statistics (not trained; updated in training mode). */
  readonly state: readonly ParamSpec[];
}

/** Lays out the network for `config` and `numClasses`, naming tensors like PyTorch's state_dict. */
export function networkLayout(config: ModelConfig, numClasses: number): NetworkLayout {
  validateModelConfig(config);
  validateNumClasses(numClasses);
  const params: ParamSpec[] = [];
  const state: ParamSpec[] = [];
  const convUnit = (prefix: string, bnPrefix: string, cin: number, cout: number): ConvUnit => {
    const fanIn = cin * 9;
    params.push({ name: `${prefix}.weight`, shape: [3, 3, cin, cout], init: { kind: 'fan-in-uniform', fanIn } });
    params.push({ name: `${prefix}.bias`, shape: [cout], init: { kind: 'fan-in-uniform', fanIn } });
    let bn: BatchNormNames | null = null;
    if (config.batchNorm) {
      bn = { gamma: `${bnPrefix}.weight`, beta: `${bnPrefix}.bias`, runningMean: `${bnPrefix}.running_mean`, runningVar: `${bnPrefix}.running_var` };
      params.push({ name: bn.gamma, shape: [cout], init: { kind: 'ones' } });
      params.push({ name: bn.beta, shape: [cout], init: { kind: 'zeros' } });
      state.push({ name: bn.runningMean, shape: [cout], init: { kind: 'zeros' } });
      state.push({ name: bn.runningVar, shape: [cout], init: { kind: 'ones' } });
    }
    return { weight: `${prefix}.weight`, bias: `${prefix}.bias`, inChannels: cin, outChannels: cout, bn };
  };

  const fm = config.featureMaps;
  const stem = convUnit('stem.conv', 'stem.bn', INPUT_CHANNELS, fm[0]);
  const blocks: BlockLayout[] = [];
  for (let i = 0; i + 1 < fm.length; i++) {
    const [cin, cout] = [fm[i], fm[i + 1]];
    const conv1 = convUnit(`blocks.${i}.conv1`, `blocks.${i}.bn1`, cin, cout);
    const conv2 = convUnit(`blocks.${i}.conv2`, `blocks.${i}.bn2`, cout, cout);
    let skip: BlockLayout['skip'] = null;
    if (config.useSkip && cin !== cout) {
      const weight = `blocks.${i}.skip.weight`;
      const bias = `blocks.${i}.skip.bias`;
      params.push({ name: weight, shape: [1, 1, cin, cout], init: { kind: 'fan-in-uniform', fanIn: cin } });
      params.push({ name: bias, shape: [cout], init: { kind: 'fan-in-uniform', fanIn: cin } });
      skip = { kind: 'conv', weight, bias };
    } else if (config.useSkip) {
      skip = { kind: 'pool' };
    }
    blocks.push({ conv1, conv2, skip });
  }
  const inFeatures = fm[fm.length - 1];
  const head = { weight: 'head.weight', bias: 'head.bias', inFeatures, numClasses };
  params.push({ name: head.weight, shape: [inFeatures, numClasses], init: { kind: 'fan-in-uniform', fanIn: inFeatures } });
  params.push({ name: head.bias, shape: [numClasses], init: { kind: 'fan-in-uniform', fanIn: inFeatures } });
  return { stem, blocks, head, dropRate: config.dropRate, params, state };
}

/** Number of scalars in a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Trainable parameter count (what PyTorch's `sum(p.numel() for p in m.parameters())` reports). */
export function countParameters(layout: NetworkLayout): number {
  return layout.params.reduce((n, p) => n + sizeOf(p.shape), 0);
}

/** Initial values for every spec, drawn in order from one generator seeded with `seed`. */
export function initialValues(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed, 0x1a17);
  const out = new Map<string, Float32Array>();
  for (const spec of specs) {
    const values = new Float32Array(sizeOf(spec.shape));
    switch (spec.init.kind) {
      case 'fan-in-uniform': {
        const bound = 1 / Math.sqrt(spec.init.fanIn);
        for (let i = 0; i < values.length; i++) values[i] = rng.uniformRange(-bound, bound);
        break;
      }
      case 'ones':
        values.fill(1);
        break;
      case 'zeros':
        break;
    }
    out.set(spec.name, values);
  }
  return out;
}
