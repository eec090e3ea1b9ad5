import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ADVERSARIAL_FIELDS,
  ATTACK_FIELDS,
  ATTACK_REPORT_FIELDS,
  AUGMENTATION_FIELDS,
  IMPORT_FIELDS,
  LIVE_ATTACK_FIELDS,
  MODEL_FIELDS,
  rangeProblem,
  rangeText,
  SWEEP_FIELDS,
  TRAINING_FIELDS,
  type Field,
  type NumberField,
} from './fields';
import { epsLabel } from './format';

/** The comment above `field` in `message` of a proto file, as one line. */
function protoComment(file: string, message: string, field: string): string {
  const text = fs.readFileSync(path.resolve(__dirname, '../../../proto/advlab/v1', file), 'utf8');
  const body = text.slice(text.indexOf(`message ${message} {`));
  const lines = body.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\s+(optional |repeated )?[\\w.]+ ${field} = \\d+;`).test(l));
  if (at < 0) throw new Error(`${message}.${field} not found in ${file}`);
  const comment: string[] = [];
  for (let i = at - 1; i >= 0 && /^\s*\/\//.test(lines[i]); i--) comment.unshift(lines[i].replace(/^\s*\/\/\s?/, ''));
  return comment.join(' ');
}

const number = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));

// Each table field and where the contract documents it. The default as the comment writes it
// (`8/255` for the budget) when it differs from the plain number.
const DOCUMENTED: Array<{ field: Field; file: string; message: string; name: string; defaultText?: string }> = [
  { field: MODEL_FIELDS.featureMaps, file: 'config.proto', message: 'ModelConfig', name: 'feature_maps', defaultText: '[16, 32, 64]' },
  { field: MODEL_FIELDS.dropRate, file: 'config.proto', message: 'ModelConfig', name: 'drop_rate' },
  { field: MODEL_FIELDS.batchNorm, file: 'config.proto', message: 'ModelConfig', name: 'batch_norm' },
  { field: MODEL_FIELDS.useSkip, file: 'config.proto', message: 'ModelConfig', name: 'use_skip' },
  { field: MODEL_FIELDS.imageSize, file: 'config.proto', message: 'ModelConfig', name: 'image_size' },
  { field: AUGMENTATION_FIELDS.mixupAlpha, file: 'config.proto', message: 'MixupConfig', name: 'alpha' },
  { field: AUGMENTATION_FIELDS.cutmixAlpha, file: 'config.proto', message: 'CutMixConfig', name: 'alpha' },
  { field: AUGMENTATION_FIELDS.horizontalFlip, file: 'config.proto', message: 'AugmentationConfig', name: 'horizontal_flip' },
  { field: AUGMENTATION_FIELDS.colorJitter, file: 'config.proto', message: 'AugmentationConfig', name: 'color_jitter' },
  { field: TRAINING_FIELDS.epochs, file: 'config.proto', message: 'TrainingConfig', name: 'epochs' },
  { field: TRAINING_FIELDS.batchSize, file: 'config.proto', message: 'TrainingConfig', name: 'batch_size' },
  { field: TRAINING_FIELDS.learningRate, file: 'config.proto', message: 'TrainingConfig', name: 'learning_rate' },
  { field: TRAINING_FIELDS.seed, file: 'config.proto', message: 'TrainingConfig', name: 'seed' },
  { field: TRAINING_FIELDS.validationFraction, file: 'config.proto', message: 'TrainingConfig', name: 'validation_fraction' },
  { field: TRAINING_FIELDS.earlyStoppingPatience, file: 'config.proto', message: 'TrainingConfig', name: 'early_stopping_patience' },
  { field: TRAINING_FIELDS.weightDecay, file: 'config.proto', message: 'TrainingConfig', name: 'weight_decay' },
  { field: TRAINING_FIELDS.maxTrainImages, file: 'config.proto', message: 'TrainingConfig', name: 'max_train_images' },
  { field: ATTACK_FIELDS.epsilonLinf, file: 'config.proto', message: 'AttackConfig', name: 'epsilon', defaultText: epsLabel(8 / 255) },
  { field: ATTACK_FIELDS.epsilonL2, file: 'config.proto', message: 'AttackConfig', name: 'epsilon' },
  { field: ATTACK_FIELDS.stepSizeLinf, file: 'config.proto', message: 'AttackConfig', name: 'step_size' },
  { field: ATTACK_FIELDS.stepSizeL2, file: 'config.proto', message: 'AttackConfig', name: 'step_size' },
  { field: ATTACK_FIELDS.evaluationSteps, file: 'config.proto', message: 'AttackConfig', name: 'steps' },
  { field: ATTACK_FIELDS.trainingSteps, file: 'config.proto', message: 'AttackConfig', name: 'steps' },
  { field: ATTACK_FIELDS.apgdSteps, file: 'config.proto', message: 'AttackConfig', name: 'steps' },
  { field: ATTACK_FIELDS.squareQueries, file: 'config.proto', message: 'AttackConfig', name: 'queries' },
  { field: ATTACK_FIELDS.restarts, file: 'config.proto', message: 'AttackConfig', name: 'restarts' },
  { field: ATTACK_FIELDS.randomStart, file: 'config.proto', message: 'AttackConfig', name: 'random_start' },
  { field: ADVERSARIAL_FIELDS.evalImages, file: 'config.proto', message: 'AdversarialConfig', name: 'eval_images' },
  { field: SWEEP_FIELDS.robustImages, file: 'resources.proto', message: 'SweepConfig', name: 'robust_images' },
  { field: ATTACK_REPORT_FIELDS.gallerySize, file: 'trainer_service.proto', message: 'AttackRequest', name: 'gallery_size' },
  { field: ATTACK_REPORT_FIELDS.amplification, file: 'trainer_service.proto', message: 'AttackRequest', name: 'amplification' },
  { field: LIVE_ATTACK_FIELDS.amplification, file: 'attack_stream_service.proto', message: 'StreamAttackRequest', name: 'amplification' },
  { field: LIVE_ATTACK_FIELDS.topK, file: 'attack_stream_service.proto', message: 'StreamAttackRequest', name: 'top_k' },
  { field: LIVE_ATTACK_FIELDS.frameEvery, file: 'attack_stream_service.proto', message: 'StreamAttackRequest', name: 'frame_every' },
  { field: IMPORT_FIELDS.imageSize, file: 'trainer_service.proto', message: 'ImportDatasetRequest', name: 'image_size' },
];

describe('the config tables are what the contract documents', () => {
  it.each(DOCUMENTED.map((d) => [`${d.message}.${d.name} (${d.field.label})`, d] as const))('%s: same default and range', (_name, d) => {
    const comment = protoComment(d.file, d.message, d.name);
    const f = d.field;
    if (f.kind === 'number') {
      // Top-k's upper bound is the model's class count, not a constant.
      if (f !== LIVE_ATTACK_FIELDS.topK) expect(comment).toContain(rangeText(f));
      // The default is stated after "Default" (a second one, e.g. for L2, later in the same clause).
      if (f.default !== undefined) expect(comment).toMatch(new RegExp(`Default\\b.*?(?<![\\d.])${escape(d.defaultText ?? number(f.default))}(?![\\d])`));
    } else if (f.kind === 'boolean') {
      expect(comment).toContain(`Default ${f.default}`);
    } else {
      expect(comment).toContain(`${f.minLength} to ${f.maxLength} entries, each in ${rangeText(f.item)}`);
      expect(comment).toContain(`Empty = ${d.defaultText}`);
    }
  });

  it('every default lies in its own range', () => {
    const all = [MODEL_FIELDS, TRAINING_FIELDS, AUGMENTATION_FIELDS, ATTACK_FIELDS, ADVERSARIAL_FIELDS, ATTACK_REPORT_FIELDS, LIVE_ATTACK_FIELDS, SWEEP_FIELDS]
      .flatMap((table) => Object.values(table) as Field[])
      .filter((f): f is NumberField => f.kind === 'number' && f.default !== undefined);
    for (const f of all) expect({ field: f.path, problem: rangeProblem(f, f.default as number) }).toEqual({ field: f.path, problem: undefined });
    expect(MODEL_FIELDS.featureMaps.default.every((c) => rangeProblem(MODEL_FIELDS.featureMaps.item, c) === undefined)).toBe(true);
  });

  it('writes ranges and problems the way error messages do', () => {
    expect(rangeText(TRAINING_FIELDS.learningRate)).toBe('(0, 1]');
    expect(rangeText(MODEL_FIELDS.dropRate)).toBe('[0, 1)');
    expect(rangeProblem(TRAINING_FIELDS.epochs, 1.5)).toBe('must be an integer in [1, 1000], got 1.5');
    expect(rangeProblem(TRAINING_FIELDS.learningRate, 0)).toBe('must be in (0, 1], got 0');
    expect(rangeProblem(TRAINING_FIELDS.learningRate, 1)).toBeUndefined();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
