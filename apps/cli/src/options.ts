import { AttackConfig, ModelConfig, TrainingConfig, type AttackMethod, type LossKind, type LrSchedule, type Norm } from '@advlab/contract';
import { Command, InvalidArgumentError } from 'commander';
import { UsageError } from './errors';
import { parseEps, parseIntList, parseLoss, parseLrSchedule, parseMethod, parseNorm, parseNumber } from './parse';

/** A commander argument parser from one of ours: a UsageError becomes commander's invalid-argument error. */
export function arg<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof UsageError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

/** A repeatable option: each occurrence is parsed and appended. */
export function repeatable<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  const one = arg(parse);
  return (text, previous) => [...(previous ?? []), one(text)];
}

const int = (name: string, min: number, max?: number) => arg((t) => parseNumber(name, t, { integer: true, min, max }));
const real = (name: string, min: number, max?: number, exclusiveMin = false) => arg((t) => parseNumber(name, t, { min, max, exclusiveMin }));

/** --json, --quiet and, for streaming commands, --json-lines. */
export function outputOptions(cmd: Command, opts: { stream?: boolean } = {}): Command {
  cmd.option('--json', 'print one machine-readable JSON document on stdout');
  if (opts.stream) cmd.option('--json-lines', 'print each event as a JSON line on stdout, then a summary line');
  return cmd.option('-q, --quiet', 'no progress on stderr');
}

/** --timeout for calls that answer once. */
export function timeoutOption(cmd: Command, defaultSeconds: number): Command {
  return cmd.option('--timeout <seconds>', `give up waiting for the answer after this long (0 = never; default ${defaultSeconds})`, real('--timeout', 0), defaultSeconds);
}

/** The architecture and training flags of train, adv-train and sweep. */
export interface ModelTrainingFlags {
  featureMaps?: number[];
  dropRate?: number;
  batchNorm?: boolean;
  skip?: boolean;
  imageSize?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  lrSchedule?: LrSchedule;
  seed?: number;
  mixup?: number;
  cutmix?: number;
  flip?: boolean;
  jitter?: number;
  loss?: LossKind;
  valFraction?: number;
  patience?: number;
  weightDecay?: number;
}

export function modelTrainingOptions(cmd: Command): Command {
  return cmd
    .option('--feature-maps <list>', 'channel counts, stem then blocks, e.g. 32,64 (default 16,32,64)', arg((t) => parseIntList(t, '--feature-maps')))
    .option('--drop-rate <p>', 'dropout after each block, in [0, 1) (default 0.2)', real('--drop-rate', 0, 1))
    .option('--no-batch-norm', 'no batch normalisation')
    .option('--no-skip', 'no skip path in the blocks')
    .option('--image-size <px>', "input side in pixels (default: the dataset's)", int('--image-size', 8, 512))
    .option('--epochs <n>', 'passes over the training split (default 10)', int('--epochs', 1, 1000))
    .option('--batch-size <n>', 'images per step (default 32)', int('--batch-size', 1, 4096))
    .option('--lr <rate>', 'Adam learning rate (default 0.001)', real('--lr', 0, 1, true))
    .option('--lr-schedule <kind>', 'constant or cosine (default constant)', arg(parseLrSchedule))
    .option('--seed <n>', 'seed of split, weights, shuffling and augmentation (default 1234)', int('--seed', 0, 2 ** 32 - 1))
    .option('--mixup <alpha>', 'Mixup with Beta(alpha, alpha)', real('--mixup', 0, undefined, true))
    .option('--cutmix <alpha>', 'CutMix with Beta(alpha, alpha)', real('--cutmix', 0, undefined, true))
    .option('--no-flip', 'no random horizontal flips')
    .option('--jitter <s>', 'colour jitter strength in [0, 1] (default 0.2)', real('--jitter', 0, 1))
    .option('--loss <kind>', 'ce (cross-entropy) or ova (one-versus-all) (default ce)', arg(parseLoss))
    .option('--val-fraction <f>', 'share held out for validation, in [0.01, 0.5] (default 0.1)', real('--val-fraction', 0.01, 0.5))
    .option('--patience <epochs>', 'stop after this many epochs without a better validation accuracy (default off)', int('--patience', 0))
    .option('--weight-decay <w>', 'decoupled weight decay (default 0)', real('--weight-decay', 0));
}

/** The ModelConfig the flags ask for; unset flags leave the server's defaults. */
export function modelConfigFrom(f: ModelTrainingFlags): ModelConfig {
  return ModelConfig.fromPartial({
    featureMaps: f.featureMaps ?? [],
    dropRate: f.dropRate,
    batchNorm: f.batchNorm === false ? false : undefined,
    useSkip: f.skip === false ? false : undefined,
    imageSize: f.imageSize ?? 0,
  });
}

/** The TrainingConfig the flags ask for; unset flags leave the server's defaults. */
export function trainingConfigFrom(f: ModelTrainingFlags): TrainingConfig {
  if (f.mixup !== undefined && f.cutmix !== undefined) throw new UsageError('--mixup and --cutmix cannot be used together');
  const mix =
    f.mixup !== undefined
      ? ({ $case: 'mixup', value: { alpha: f.mixup } } as const)
      : f.cutmix !== undefined
        ? ({ $case: 'cutmix', value: { alpha: f.cutmix } } as const)
        : undefined;
  const augmented = mix || f.flip === false || f.jitter !== undefined;
  return TrainingConfig.fromPartial({
    epochs: f.epochs,
    batchSize: f.batchSize,
    learningRate: f.lr,
    lrSchedule: f.lrSchedule,
    seed: f.seed,
    loss: f.loss,
    validationFraction: f.valFraction,
    earlyStoppingPatience: f.patience,
    weightDecay: f.weightDecay,
    augmentation: augmented ? { mix, horizontalFlip: f.flip === false ? false : undefined, colorJitter: f.jitter } : undefined,
  });
}

/** The flags of one attack. */
export interface AttackFlags {
  method?: AttackMethod;
  eps?: number;
  step?: number;
  steps?: number;
  norm?: Norm;
  restarts?: number;
  target?: number;
}

/** --eps, --step, --steps, --norm, --restarts, --target, and --method unless the command has its own. */
export function attackOptions(cmd: Command, opts: { method?: boolean; methods?: string } = {}): Command {
  if (opts.method !== false) cmd.option('--method <name>', `attack: ${opts.methods ?? 'fgsm, pgd or fgsm-rs'} (default pgd)`, arg(parseMethod));
  return cmd
    .option('--eps <eps>', 'budget in pixel scale, e.g. 8/255 or 0.0314 (default 8/255)', arg(parseEps))
    .option('--step <size>', 'PGD step size, pixel scale (default 0.002)', arg((t) => parseEps(t, '--step')))
    .option('--steps <n>', 'PGD iterations', int('--steps', 1, 1000))
    .option('--norm <norm>', 'linf or l2 (default linf)', arg(parseNorm))
    .option('--restarts <n>', 'random restarts, worst case kept (default 1)', int('--restarts', 1, 100))
    .option('--target <class>', 'targeted attack towards this class index', int('--target', 0));
}

export function attackConfigFrom(f: AttackFlags, method = f.method): AttackConfig {
  return AttackConfig.fromPartial({
    method,
    norm: f.norm,
    epsilon: f.eps,
    stepSize: f.step,
    steps: f.steps,
    restarts: f.restarts,
    targetClass: f.target,
  });
}
