import { RunStatus } from '@advlab/contract';
import { ago, bytes, duration, epsLabel, pct, statusName, table } from './format';

describe('table', () => {
  it('pads columns, right-aligns numbers and trims line ends', () => {
    const text = table(['name', { header: 'acc', align: 'right' }, 'note'], [
      ['a', '91.2%', ''],
      ['longer', '7.0%', 'x'],
    ]);
    expect(text).toBe(['name      acc  note', '------  -----  ----', 'a       91.2%', 'longer   7.0%  x', ''].join('\n'));
  });

  it('prints the header of an empty table', () => {
    expect(table(['a', 'b'], [])).toBe('a  b\n-  -\n');
  });
});

describe('numbers', () => {
  it('writes fractions as percentages', () => {
    expect(pct(0.91234)).toBe('91.2%');
    expect(pct(1)).toBe('100.0%');
    expect(pct(undefined)).toBe('-');
  });

  it('writes epsilons as k/255 when they are whole grey levels', () => {
    expect(epsLabel(8 / 255)).toBe('8/255');
    expect(epsLabel(0)).toBe('0/255');
    expect(epsLabel(Math.fround(8 / 255))).toBe('8/255');
    expect(epsLabel(0.5 / 255)).toBe('0.5/255');
    expect(epsLabel(0.0314)).toBe('8.01/255');
  });

  it('writes durations, sizes and statuses', () => {
    expect(duration(12.34)).toBe('12.3s');
    expect(duration(245)).toBe('4m05s');
    expect(duration(3720)).toBe('1h02m');
    expect(bytes(2048)).toBe('2.0 KiB');
    expect(statusName(RunStatus.RUN_STATUS_SUCCEEDED)).toBe('succeeded');
  });

  it('writes how long ago a heartbeat was, in whole seconds, then minutes', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(ago(new Date(now - 2_400), now)).toBe('2s ago');
    expect(ago(new Date(now - 95_000), now)).toBe('1m35s ago');
    expect(ago(new Date(now + 500), now)).toBe('0s ago');
    expect(ago(undefined, now)).toBe('-');
  });
});
