import { AttackConfig, ModelConfig, TrainingConfig, type AttackMethod, type AutoAttackVersion, type LossKind, type LrSchedule, type Norm } from '@advlab/contract';
import { ATTACK_FIELDS, AUGMENTATION_FIELDS, MODEL_FIELDS, TRAINING_FIELDS, type NumberField } from '@advlab/config';
import { Command, InvalidArgumentError } from 'commander';
import { UsageError } from './errors';
import { ATTACK_METHOD_NAMES, parseAutoAttackVersion, parseEps, parseIntList, parseLoss, parseLrSchedule, parseMethod, parseNorm, parseNumber } from './parse';

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
/** A flag parsed against its config table's range (`@advlab/config`): the CLI accepts what the server accepts. */
const ranged = (name: string, f: NumberField) =>
  f.integer ? int(name, f.min, f.max) : arg((t) => parseNumber(name, t, { min: f.min, max: f.max, exclusiveMin: f.minExclusive, exclusiveMax: f.maxExclusive }));
/** "(default 10)" from the table. */
const dflt = (f: { default?: unknown }) => `(default ${Array.isArray(f.default) ? f.default.join(',') : String(f.default)})`;

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
  maxTrainImages?: number;
}

export function modelTrainingOptions(cmd: Command): Command {
  const m = MODEL_FIELDS;
  const t = TRAINING_FIELDS;
  const a = AUGMENTATION_FIELDS;
  return cmd
    .option('--feature-maps <list>', `channel counts, stem then blocks, e.g. 32,64 ${dflt(m.featureMaps)}`, arg((text) => parseIntList(text, '--feature-maps')))
    .option('--drop-rate <p>', `dropout after each block, in [0, 1) ${dflt(m.dropRate)}`, ranged('--drop-rate', m.dropRate))
    .option('--no-batch-norm', 'no batch normalisation')
    .option('--no-skip', 'no skip path in the blocks')
    .option('--image-size <px>', "input side in pixels (default: the dataset's)", ranged('--image-size', m.imageSize))
    .option('--epochs <n>', `passes over the training split ${dflt(t.epochs)}`, ranged('--epochs', t.epochs))
    .option('--batch-size <n>', `images per step ${dflt(t.batchSize)}`, ranged('--batch-size', t.batchSize))
    .option('--lr <rate>', `Adam learning rate ${dflt(t.learningRate)}`, ranged('--lr', t.learningRate))
    .option('--lr-schedule <kind>', 'constant or cosine (default constant)', arg(parseLrSchedule))
    .option('--seed <n>', `seed of split, weights, shuffling and augmentation ${dflt(t.seed)}`, ranged('--seed', t.seed))
    .option('--mixup <alpha>', `Mixup with Beta(alpha, alpha), e.g. ${a.mixupAlpha.default}`, ranged('--mixup', a.mixupAlpha))
    .option('--cutmix <alpha>', `CutMix with Beta(alpha, alpha), e.g. ${a.cutmixAlpha.default}`, ranged('--cutmix', a.cutmixAlpha))
    .option('--no-flip', 'no random horizontal flips')
    .option('--jitter <s>', `colour jitter strength in [0, 1] ${dflt(a.colorJitter)}`, ranged('--jitter', a.colorJitter))
    .option('--loss <kind>', 'ce (cross-entropy) or ova (one-versus-all) (default ce)', arg(parseLoss))
    .option('--val-fraction <f>', `share held out for validation, in [${t.validationFraction.min}, ${t.validationFraction.max}] ${dflt(t.validationFraction)}`, ranged('--val-fraction', t.validationFraction))
    .option('--patience <epochs>', 'stop after this many epochs without a better validation accuracy (robust validation accuracy for adv-train) (default off)', ranged('--patience', t.earlyStoppingPatience))
    .option('--weight-decay <w>', `decoupled weight decay ${dflt(t.weightDecay)}`, ranged('--weight-decay', t.weightDecay))
    .option('--max-train-images <n>', 'train on a seeded subset of at most this many training images (default all)', ranged('--max-train-images', t.maxTrainImages));
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
    maxTrainImages: f.maxTrainImages,
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
  version?: AutoAttackVersion;
  queries?: number;
}

/** Every attack the CLI names: "fgsm, pgd, fgsm-rs, apgd-ce, apgd-dlr, apgd-t, square or autoattack". */
export const ATTACK_METHODS_TEXT = Object.keys(ATTACK_METHOD_NAMES).join(', ').replace(/, ([^,]+)$/, ' or $1');

/** AutoAttack's --version and Square's --queries. */
export function autoAttackOptions(cmd: Command): Command {
  const q = ATTACK_FIELDS.squareQueries;
  return cmd
    .option('--version <version>', 'AutoAttack budget: standard or fast (default standard)', arg(parseAutoAttackVersion))
    .option('--queries <n>', `Square's query budget, also AutoAttack's Square member ${dflt(q)}; AutoAttack: its version's`, ranged('--queries', q));
}

/** --eps, --step, --steps, --norm, --restarts, --target, --method unless the command has its own, and --version and --queries unless `autoattack` is false. */
export function attackOptions(cmd: Command, opts: { method?: boolean; methods?: string; steps?: NumberField; autoattack?: boolean } = {}): Command {
  const f = ATTACK_FIELDS;
  const steps = opts.steps ?? f.evaluationSteps;
  if (opts.method !== false) cmd.option('--method <name>', `attack: ${opts.methods ?? ATTACK_METHODS_TEXT} (default pgd)`, arg(parseMethod));
  cmd
    .option('--eps <eps>', 'budget in pixel scale, e.g. 8/255 or 0.0314 (default 8/255)', arg(parseEps))
    .option('--step <size>', `PGD step size, pixel scale ${dflt(f.stepSizeLinf)}`, arg((t) => parseEps(t, '--step')))
    .option('--steps <n>', `PGD iterations ${dflt(steps)}; APGD ${dflt(f.apgdSteps)}`, ranged('--steps', steps))
    .option('--norm <norm>', 'linf or l2 (default linf)', arg(parseNorm))
    .option('--restarts <n>', `random restarts, worst case kept ${dflt(f.restarts)}`, ranged('--restarts', f.restarts))
    .option('--target <class>', 'targeted attack towards this class index', int('--target', 0));
  return opts.autoattack === false ? cmd : autoAttackOptions(cmd);
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
    autoattackVersion: f.version,
    queries: f.queries,
  });
}
