import { render, screen, within } from '@testing-library/react';
import { datasetFixture, sampleFixture } from '@advlab/dashboard-util/testing';
import { DatasetSamples, DatasetsPage, SampleGrid, classCountRows, mixingCaption, totals } from './index';

jest.mock('next/navigation', () => ({ useRouter: () => ({ refresh: jest.fn() }) }));

describe('dataset figures', () => {
  it('counts images per class and in all', () => {
    const dataset = datasetFixture({ testCounts: [5, 5, 4] });
    expect(classCountRows(dataset)).toEqual([
      { label: 'blue', train: 20, test: 5 },
      { label: 'green', train: 20, test: 5 },
      { label: 'red', train: 19, test: 4 },
    ]);
    expect(totals(dataset)).toEqual({ train: 59, test: 14 });
  });

  it('captions mixed samples with their weights', () => {
    const mixed = sampleFixture(1, 'Dress', [
      { classIndex: 3, label: 'Dress', weight: 0.62 },
      { classIndex: 6, label: 'Shirt', weight: 0.38 },
    ]);
    expect(mixingCaption(mixed)).toBe('Dress 62% · Shirt 38%');
    expect(mixingCaption(sampleFixture(2, 'Bag'))).toBe('Bag');
  });
});

describe('SampleGrid and DatasetSamples', () => {
  it('shows each image with its label', () => {
    render(<SampleGrid label="Samples" samples={[sampleFixture(0, 'Bag'), sampleFixture(1, 'Coat', [{ classIndex: 0, label: 'Coat', weight: 0.7 }, { classIndex: 1, label: 'Bag', weight: 0.3 }])]} />);
    const items = screen.getAllByTestId('sample');
    expect(items).toHaveLength(2);
    expect(within(items[0]).getByRole('img', { name: 'Bag (image 0)' })).toBeTruthy();
    expect(within(items[1]).getByText('0.70')).toBeTruthy();
  });

  it('explains when SampleDataset is missing on the server', async () => {
    render(
      await DatasetSamples({
        datasetId: 'toy',
        options: {},
        label: 'Samples',
        load: async () => ({ ok: false, error: { code: 'UNIMPLEMENTED', message: 'SampleDataset is not implemented', unimplemented: true, unreachable: false } }),
      }),
    );
    expect(screen.getByRole('alert').textContent).toContain('Not available yet: Sample images could not be loaded');
  });
});

describe('DatasetsPage', () => {
  it('shows the error when the datasets cannot be listed', async () => {
    render(await DatasetsPage({ loadDatasets: async () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'down', unimplemented: false, unreachable: true } }) }));
    expect(screen.getByRole('alert').textContent).toContain('Datasets could not be loaded');
  });

  it('invites an import when there are none', async () => {
    render(await DatasetsPage({ loadDatasets: async () => ({ ok: true, data: [] }) }));
    expect(screen.getByText('No datasets')).toBeTruthy();
    expect(screen.getByRole('form', { name: 'Import an image folder' })).toBeTruthy();
  });
});
