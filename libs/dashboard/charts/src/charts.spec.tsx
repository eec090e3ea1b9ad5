import { render, screen, within } from '@testing-library/react';
import { ConfusionMatrix, LineChart, ProbabilityBars, cellColor, countPoints, normalizeRows } from './index';

describe('chart data', () => {
  it('counts only finite values of the plotted series', () => {
    expect(countPoints([{ x: 0, a: 1, b: null }, { x: 1, a: Number.NaN, b: 2 }, { x: 2 }], [{ key: 'a' }, { key: 'b' }])).toBe(2);
  });

  it('normalises confusion rows to shares and keeps empty rows at zero', () => {
    expect(normalizeRows([[3, 1], [0, 0]])).toEqual([[0.75, 0.25], [0, 0]]);
    expect(cellColor(1, true)).toBe('rgba(0, 114, 178, 0.900)');
    expect(cellColor(0, false)).toBe('rgba(213, 94, 0, 0.000)');
  });
});

describe('LineChart', () => {
  it('reserves its height and says so when there is nothing to plot', () => {
    const { container } = render(<LineChart title="Loss" description="loss per epoch" data={[]} xKey="x" xLabel="epoch" series={[{ key: 'loss', label: 'Loss' }]} height={200} empty="Waiting…" />);
    const plot = screen.getByRole('img', { name: 'loss per epoch' });
    expect(plot.style.height).toBe('200px');
    expect(within(plot).getByText('Waiting…')).toBeTruthy();
    expect(container.querySelector('figure')?.dataset['points']).toBe('0');
  });

  it('exposes the number of plotted points', () => {
    const { container } = render(<LineChart title="Loss" description="d" data={[{ x: 1, loss: 2 }, { x: 2, loss: 1 }]} xKey="x" xLabel="epoch" series={[{ key: 'loss', label: 'Loss' }]} />);
    expect(container.querySelector('figure')?.dataset['points']).toBe('2');
  });
});

describe('ConfusionMatrix and ProbabilityBars', () => {
  it('draws one cell per pair with the count and a description', () => {
    render(<ConfusionMatrix labels={['cat', 'dog']} counts={[[9, 1], [2, 8]]} />);
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getByTitle('cat predicted as dog: 1 (10.0%)').textContent).toBe('1');
    expect(within(table).getByRole('rowheader', { name: 'dog' })).toBeTruthy();
  });

  it('keeps k rows while fewer probabilities are known', () => {
    render(<ProbabilityBars items={[{ label: 'cat', probability: 0.75, highlight: 'true' }]} rows={3} />);
    const list = screen.getByRole('list', { name: 'Top classes by probability' });
    expect(list.children).toHaveLength(3);
    expect(within(list).getByText('75.0%')).toBeTruthy();
    expect(within(list).getByText('(true class)')).toBeTruthy();
  });
});
