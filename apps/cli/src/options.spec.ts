import { ATTACK_FIELDS, MODEL_FIELDS, rangeText, TRAINING_FIELDS } from '@advlab/config';
import { Command } from 'commander';
import { attackOptions, modelTrainingOptions } from './options';

/** A command with the shared flags, parsing without exiting the process. */
function program(): Command {
  const cmd = attackOptions(modelTrainingOptions(new Command('train')), { methods: 'pgd' });
  return cmd.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
}

describe('the CLI flags follow the config tables', () => {
  it('states the tables\' defaults in the help', () => {
    const help = program().helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain(`(default ${TRAINING_FIELDS.epochs.default})`);
    expect(help).toContain(`(default ${TRAINING_FIELDS.learningRate.default})`);
    expect(help).toContain(`(default ${MODEL_FIELDS.featureMaps.default.join(',')})`);
    expect(help).toContain(`PGD iterations (default ${ATTACK_FIELDS.evaluationSteps.default})`);
  });

  it('accepts the bounds of each range and refuses one step beyond, with the table\'s range in the message', () => {
    const parse = (...args: string[]) => program().parse(args, { from: 'user' }).opts();
    expect(parse('--epochs', String(TRAINING_FIELDS.epochs.max)).epochs).toBe(TRAINING_FIELDS.epochs.max);
    expect(() => parse('--epochs', String(TRAINING_FIELDS.epochs.max + 1))).toThrow(`--epochs must be an integer in ${rangeText(TRAINING_FIELDS.epochs)}`);
    expect(parse('--steps', String(ATTACK_FIELDS.evaluationSteps.max)).steps).toBe(ATTACK_FIELDS.evaluationSteps.max);
    expect(() => parse('--drop-rate', '1')).toThrow(`--drop-rate must be a number in ${rangeText(MODEL_FIELDS.dropRate)}`);
    expect(() => parse('--lr', '0')).toThrow(`--lr must be a number in ${rangeText(TRAINING_FIELDS.learningRate)}`);
  });
});
