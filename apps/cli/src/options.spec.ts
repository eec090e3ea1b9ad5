import { ATTACK_FIELDS, MODEL_FIELDS, rangeText, TRAINING_FIELDS } from '@advlab/config';
import { Command } from 'commander';
import { AttackMethod, AutoAttackVersion } from '@advlab/contract';
import { evaluationAttacks, progressLabel } from './commands/evaluate';
import { attackOptions, modelTrainingOptions, trainingConfigFrom } from './options';

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
    expect(parse('--queries', String(ATTACK_FIELDS.squareQueries.max)).queries).toBe(ATTACK_FIELDS.squareQueries.max);
    expect(() => parse('--queries', '0')).toThrow(`--queries must be an integer in ${rangeText(ATTACK_FIELDS.squareQueries)}`);
  });

  it('--max-train-images asks for a seeded subset of the training split; unset leaves all of it', () => {
    const parse = (...args: string[]) => program().parse(args, { from: 'user' }).opts();
    expect(trainingConfigFrom(parse('--max-train-images', '500')).maxTrainImages).toBe(500);
    expect(trainingConfigFrom(parse()).maxTrainImages).toBeUndefined();
    expect(() => parse('--max-train-images', '-1')).toThrow(`--max-train-images must be an integer in ${rangeText(TRAINING_FIELDS.maxTrainImages)}`);
  });
});

describe('evaluate --attack', () => {
  const M = AttackMethod;
  it('runs each attack at each budget, giving --version to AutoAttack only and --queries to Square and AutoAttack only', () => {
    const attacks = evaluationAttacks({
      attack: [M.ATTACK_METHOD_PGD, M.ATTACK_METHOD_SQUARE, M.ATTACK_METHOD_AUTOATTACK],
      eps: [2 / 255, 8 / 255],
      steps: 5,
      version: AutoAttackVersion.AUTO_ATTACK_VERSION_FAST,
      queries: 300,
    });
    expect(attacks.map((a) => [a.method, a.epsilon, a.autoattackVersion, a.queries])).toEqual([
      [M.ATTACK_METHOD_PGD, 2 / 255, AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED, undefined],
      [M.ATTACK_METHOD_PGD, 8 / 255, AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED, undefined],
      [M.ATTACK_METHOD_SQUARE, 2 / 255, AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED, 300],
      [M.ATTACK_METHOD_SQUARE, 8 / 255, AutoAttackVersion.AUTO_ATTACK_VERSION_UNSPECIFIED, 300],
      [M.ATTACK_METHOD_AUTOATTACK, 2 / 255, AutoAttackVersion.AUTO_ATTACK_VERSION_FAST, 300],
      [M.ATTACK_METHOD_AUTOATTACK, 8 / 255, AutoAttackVersion.AUTO_ATTACK_VERSION_FAST, 300],
    ]);
  });

  it('names the attack and the member of the cascade on the progress line', () => {
    expect(progressLabel({ attackIndex: 1, attackCount: 2, attack: 'AutoAttack (fast)', stage: 'apgd-t', imagesDone: 64, imagesTotal: 200 })).toEqual({
      label: 'AutoAttack (fast)',
      detail: 'attack 2/2 apgd-t',
    });
    expect(progressLabel({ attackIndex: 0, attackCount: 1, attack: 'PGD-20', stage: '', imagesDone: 0, imagesTotal: 10 })).toEqual({ label: 'PGD-20', detail: '' });
  });
});
