import { AttackMethod, AutoAttackVersion, LossKind, LrSchedule, Norm, RunKind, RunStatus, Split, StudyPreset, SweepRankBy, type SweepAxis } from '@advlab/contract';
import { UsageError } from './errors';

/** A number option, checked against a range; `integer` refuses fractions. */
export function parseNumber(name: string, text: string, range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean; exclusiveMax?: boolean } = {}): number {
  const value = text.trim() === '' ? NaN : Number(text);
  const kind = range.integer ? 'an integer' : 'a number';
  const bounds =
    range.min !== undefined && range.max !== undefined
      ? ` in ${range.exclusiveMin ? '(' : '['}${range.min}, ${range.max}${range.exclusiveMax ? ')' : ']'}`
      : range.min !== undefined
        ? ` ${range.exclusiveMin ? '>' : '>='} ${range.min}`
        : '';
  const ok =
    Number.isFinite(value) &&
    (!range.integer || Number.isInteger(value)) &&
    (range.min === undefined || (range.exclusiveMin ? value > range.min : value >= range.min)) &&
    (range.max === undefined || (range.exclusiveMax ? value < range.max : value <= range.max));
  if (!ok) throw new UsageError(`${name} must be ${kind}${bounds}, got "${text}"`);
  return value;
}

/**
 * An epsilon in pixel scale [0, 1]: a fraction of grey levels such as "8/255",
 * or a decimal such as "0.0314".
 */
export function parseEps(text: string, name = '--eps'): number {
  const match = /^\s*([0-9]*\.?[0-9]+)\s*\/\s*([0-9]*\.?[0-9]+)\s*$/.exec(text);
  const value = match ? Number(match[1]) / Number(match[2]) : Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${name} must be a non-negative number such as 8/255 or 0.0314, got "${text}"`);
  }
  return value;
}

/** A comma-separated list of epsilons: "0,2/255,4/255,8/255". */
export function parseEpsList(text: string, name = '--curve'): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`${name} must be a comma-separated list of epsilons such as 0,2/255,8/255, got "${text}"`);
  return parts.map((p) => parseEps(p, name));
}

/** A comma-separated list of positive integers: "32,64". */
export function parseIntList(text: string, name: string): number[] {
  const parts = text.replace(/^\[|\]$/g, '').split(',');
  return parts.map((p) => parseNumber(name, p.trim(), { integer: true, min: 1 }));
}

/** Looks `text` up among named choices, listing them when it is none of them. */
function choice<T>(name: string, text: string, choices: Record<string, T>): T {
  const key = text.trim().toLowerCase();
  if (!(key in choices)) throw new UsageError(`${name} must be one of ${Object.keys(choices).join(', ')}, got "${text}"`);
  return choices[key];
}

export const parseLoss = (text: string) => choice('--loss', text, { ce: LossKind.LOSS_KIND_CROSS_ENTROPY, ova: LossKind.LOSS_KIND_ONE_VS_ALL });

export const parseLrSchedule = (text: string) => choice('--lr-schedule', text, { constant: LrSchedule.LR_SCHEDULE_CONSTANT, cosine: LrSchedule.LR_SCHEDULE_COSINE });

/** The attacks by their CLI names, in the order help texts list them. */
export const ATTACK_METHOD_NAMES = {
  fgsm: AttackMethod.ATTACK_METHOD_FGSM,
  pgd: AttackMethod.ATTACK_METHOD_PGD,
  'fgsm-rs': AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START,
  'apgd-ce': AttackMethod.ATTACK_METHOD_APGD_CE,
  'apgd-dlr': AttackMethod.ATTACK_METHOD_APGD_DLR,
  'apgd-t': AttackMethod.ATTACK_METHOD_APGD_T,
  square: AttackMethod.ATTACK_METHOD_SQUARE,
  autoattack: AttackMethod.ATTACK_METHOD_AUTOATTACK,
} as const;

export const parseMethod = (text: string, name = '--method') => choice(name, text, ATTACK_METHOD_NAMES);

export const parseAutoAttackVersion = (text: string) =>
  choice('--version', text, { standard: AutoAttackVersion.AUTO_ATTACK_VERSION_STANDARD, fast: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST });

export const parseNorm = (text: string) => choice('--norm', text, { linf: Norm.NORM_LINF, l2: Norm.NORM_L2 });

export const parseSplit = (text: string) =>
  choice('--split', text, { train: Split.SPLIT_TRAIN, validation: Split.SPLIT_VALIDATION, val: Split.SPLIT_VALIDATION, test: Split.SPLIT_TEST });

/** `autoattack` ranks by robust accuracy under AutoAttack (see the sweep command). */
export const parseRankBy = (text: string) =>
  choice('--rank-by', text, { val: SweepRankBy.SWEEP_RANK_BY_VAL_ACCURACY, robust: SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY, autoattack: 'autoattack' as const });

export const parseStatus = (text: string) =>
  choice('--status', text, {
    queued: RunStatus.RUN_STATUS_QUEUED,
    running: RunStatus.RUN_STATUS_RUNNING,
    succeeded: RunStatus.RUN_STATUS_SUCCEEDED,
    failed: RunStatus.RUN_STATUS_FAILED,
    cancelled: RunStatus.RUN_STATUS_CANCELLED,
    interrupted: RunStatus.RUN_STATUS_INTERRUPTED,
  });

export const parseKind = (text: string) =>
  choice('--kind', text, { train: RunKind.RUN_KIND_TRAIN, 'adversarial-train': RunKind.RUN_KIND_ADVERSARIAL_TRAIN, sweep: RunKind.RUN_KIND_SWEEP, study: RunKind.RUN_KIND_STUDY });

/** Splits on commas that are outside brackets, braces and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && (c === '[' || c === '{')) depth++;
    else if (!quoted && (c === ']' || c === '}')) depth--;
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/**
 * A sweep axis, `path=values`: values separated by `|`, or by commas outside
 * brackets. Each value is JSON; a bare word that is not JSON is taken as a
 * string. Examples:
 *
 *   model.feature_maps=[32,64]|[16,32,64]
 *   training.learning_rate=0.001,0.0005
 *   model.use_skip=true,false
 */
export function parseAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  const path = eq < 0 ? '' : text.slice(0, eq).trim();
  const rest = eq < 0 ? '' : text.slice(eq + 1);
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/i.test(path) || rest.trim() === '') {
    throw new UsageError(`--axis must look like path=value1,value2 (for example model.use_skip=true,false), got "${text}"`);
  }
  const raw = rest.includes('|') ? rest.split('|').map((s) => s.trim()) : splitTopLevel(rest);
  if (raw.some((v) => v === '')) throw new UsageError(`--axis ${path} has an empty value in "${rest}"`);
  const values = raw.map((v) => {
    try {
      return JSON.stringify(JSON.parse(v));
    } catch {
      if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v)) return JSON.stringify(v);
      throw new UsageError(`--axis ${path}: "${v}" is not a JSON value`);
    }
  });
  return { path, values };
}

/** --preset: quick or notebook. */
export const parsePreset = (text: string) => choice('--preset', text, { quick: StudyPreset.STUDY_PRESET_QUICK, notebook: StudyPreset.STUDY_PRESET_NOTEBOOK });
