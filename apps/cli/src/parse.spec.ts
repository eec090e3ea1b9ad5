import { AttackMethod, AutoAttackVersion, LossKind, Split } from '@advlab/contract';
import { UsageError } from './errors';
import { parseAutoAttackVersion, parseAxis, parseEps, parseEpsList, parseIntList, parseLoss, parseMethod, parseNumber, parseSplit } from './parse';

describe('parseEps', () => {
  it.each([
    ['8/255', 8 / 255],
    ['2/255', 2 / 255],
    [' 8 / 255 ', 8 / 255],
    ['0.0314', 0.0314],
    ['0', 0],
    ['.5', 0.5],
    ['1.5/255', 1.5 / 255],
  ])('reads %s', (text, value) => {
    expect(parseEps(text)).toBeCloseTo(value, 12);
  });

  it('gives exactly 8/255 for "8/255"', () => {
    expect(parseEps('8/255')).toBe(8 / 255);
  });

  it.each(['', 'abc', '-0.1', '8/0', '8/', '/255', '8/255/2', 'NaN'])('refuses %j with a message naming the flag', (text) => {
    expect(() => parseEps(text)).toThrow(UsageError);
    expect(() => parseEps(text)).toThrow(/--eps must be a non-negative number such as 8\/255/);
  });

  it('reads a curve of epsilons', () => {
    expect(parseEpsList('0,2/255,4/255,8/255')).toEqual([0, 2 / 255, 4 / 255, 8 / 255]);
    expect(() => parseEpsList('0,,8/255')).toThrow(/--curve/);
  });
});

describe('parseAxis', () => {
  it('splits list values on |', () => {
    expect(parseAxis('model.feature_maps=[32,64]|[16,32,64]')).toEqual({ path: 'model.feature_maps', values: ['[32,64]', '[16,32,64]'] });
  });

  it('splits on commas outside brackets', () => {
    expect(parseAxis('model.feature_maps=[32,64],[16,32,64]')).toEqual({ path: 'model.feature_maps', values: ['[32,64]', '[16,32,64]'] });
    expect(parseAxis('training.learning_rate=0.001,0.0005')).toEqual({ path: 'training.learning_rate', values: ['0.001', '0.0005'] });
  });

  it('normalises JSON and keeps booleans and objects', () => {
    expect(parseAxis('model.use_skip=true, false')).toEqual({ path: 'model.use_skip', values: ['true', 'false'] });
    expect(parseAxis('training.augmentation.mixup={"alpha": 0.2},{"alpha":0.4}').values).toEqual(['{"alpha":0.2}', '{"alpha":0.4}']);
  });

  it('takes a bare word as a JSON string', () => {
    expect(parseAxis('training.loss=LOSS_KIND_ONE_VS_ALL,"LOSS_KIND_CROSS_ENTROPY"').values).toEqual(['"LOSS_KIND_ONE_VS_ALL"', '"LOSS_KIND_CROSS_ENTROPY"']);
  });

  it.each([
    ['no =', 'model.use_skip', /--axis must look like path=value1,value2/],
    ['no values', 'model.use_skip=', /--axis must look like/],
    ['a bad path', 'model..x=1', /--axis must look like/],
    ['an empty value', 'training.learning_rate=0.1,,0.2', /empty value/],
    ['broken JSON', 'model.feature_maps=[32,64|[16]', /is not a JSON value/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseAxis(text)).toThrow(message);
  });
});

describe('other arguments', () => {
  it('reads feature maps with or without brackets', () => {
    expect(parseIntList('32,64', '--feature-maps')).toEqual([32, 64]);
    expect(parseIntList('[16,32,64]', '--feature-maps')).toEqual([16, 32, 64]);
    expect(() => parseIntList('32,x', '--feature-maps')).toThrow('--feature-maps must be an integer >= 1, got "x"');
    expect(() => parseIntList('32,0', '--feature-maps')).toThrow(/got "0"/);
  });

  it('checks number ranges with the flag in the message', () => {
    expect(parseNumber('--epochs', '3', { integer: true, min: 1, max: 1000 })).toBe(3);
    expect(() => parseNumber('--epochs', '0', { integer: true, min: 1, max: 1000 })).toThrow('--epochs must be an integer in [1, 1000], got "0"');
    expect(() => parseNumber('--epochs', '2.5', { integer: true, min: 1 })).toThrow(UsageError);
    expect(() => parseNumber('--lr', '0', { min: 0, max: 1, exclusiveMin: true })).toThrow('--lr must be a number in (0, 1], got "0"');
  });

  it('maps names to enums and lists the choices otherwise', () => {
    expect(parseLoss('ova')).toBe(LossKind.LOSS_KIND_ONE_VS_ALL);
    expect(parseMethod('fgsm-rs')).toBe(AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START);
    expect(parseMethod('AutoAttack')).toBe(AttackMethod.ATTACK_METHOD_AUTOATTACK);
    expect(parseMethod('apgd-t')).toBe(AttackMethod.ATTACK_METHOD_APGD_T);
    expect(() => parseMethod('fab')).toThrow('--method must be one of fgsm, pgd, fgsm-rs, apgd-ce, apgd-dlr, apgd-t, square, autoattack, got "fab"');
    expect(parseAutoAttackVersion('fast')).toBe(AutoAttackVersion.AUTO_ATTACK_VERSION_FAST);
    expect(() => parseAutoAttackVersion('plus')).toThrow('--version must be one of standard, fast, got "plus"');
    expect(parseSplit('test')).toBe(Split.SPLIT_TEST);
    expect(() => parseLoss('mse')).toThrow('--loss must be one of ce, ova, got "mse"');
  });
});
