import { fireEvent, render, screen, within } from '@testing-library/react';
import { galleryItemFixture, modelFixture, robustFixture } from '@advlab/dashboard-util/testing';
import { GalleryGrid, GalleryPage, GalleryResults, amplifyPerturbation, galleryFormValues, maxAbsDelta, parseGalleryQuery } from './index';

const items = Array.from({ length: 20 }, (_, i) => galleryItemFixture(i, i % 3 === 0));

describe('perturbation', () => {
  it('draws 0.5 + amplification * delta, clipped, opaque', () => {
    const clean = new Uint8ClampedArray([100, 100, 100, 255, 0, 0, 0, 255]);
    const adversarial = new Uint8ClampedArray([102, 98, 100, 255, 20, 0, 0, 255]);
    expect(Array.from(amplifyPerturbation(clean, adversarial, 10))).toEqual([148, 108, 128, 255, 255, 128, 128, 255]);
    expect(maxAbsDelta(clean, adversarial)).toBeCloseTo(20 / 255);
  });
});

describe('gallery query', () => {
  it('fills defaults and validates', () => {
    const values = galleryFormValues({ model: 'mdl-1', eps: '4' });
    expect(values).toEqual({ modelId: 'mdl-1', method: 'pgd', epsilon255: '4', steps: '10', stepSize255: '2', seed: '0' });
    expect(parseGalleryQuery(values)).toMatchObject({ ok: true, request: { epsilon255: 4, steps: 10 } });
    expect(parseGalleryQuery({ ...values, steps: '0' })).toMatchObject({ ok: false, errors: { steps: 'Steps must be at least 1' } });
  });
});

describe('GalleryGrid', () => {
  it('shows 20 triples with labels, predictions and success marks', () => {
    render(<GalleryGrid items={items} />);
    const cards = screen.getAllByTestId('gallery-item');
    expect(cards).toHaveLength(20);
    expect(cards.filter((c) => c.dataset['success'] === 'true')).toHaveLength(7);
    expect(within(cards[0]).getByText('Fooled')).toBeTruthy();
    expect(within(cards[0]).getByText('Trouser · 60%')).toBeTruthy();
    expect(within(cards[1]).getByText('Resisted')).toBeTruthy();
    expect(within(cards[0]).getAllByRole('img')).toHaveLength(3);
  });

  it('re-renders the perturbation at the chosen amplification', () => {
    render(<GalleryGrid items={items.slice(0, 2)} />);
    fireEvent.change(screen.getByLabelText('Perturbation amplification'), { target: { value: '25' } });
    expect(screen.getAllByText('δ × 25')).toHaveLength(2);
    expect(screen.getByText('×25')).toBeTruthy();
  });
});

describe('GalleryResults and GalleryPage', () => {
  const request = { modelId: 'mdl-1', method: 'pgd' as const, epsilon255: 8, steps: 10, stepSize255: 2, seed: 0 };

  it('shows accuracies and the sanity checks as badges', async () => {
    render(await GalleryResults({ request, load: async () => ({ ok: true, data: { result: robustFixture('pgd', 0.25), items, curve: [] } }) }));
    expect(screen.getByText('25.0%')).toBeTruthy();
    expect(screen.getByText('7 / 20')).toBeTruthy();
    const checks = screen.getByRole('list', { name: 'Sanity checks' });
    expect(within(checks).getByText('ε = 0 equals clean: yes (80.0%)')).toBeTruthy();
    expect(within(checks).getByText('max |δ| ≤ ε: yes (8.00 ≤ 8.00 /255)')).toBeTruthy();
  });

  it('says clearly when the server has no Attack yet', async () => {
    render(await GalleryResults({ request, load: async () => ({ ok: false, error: { code: 'UNIMPLEMENTED', message: 'Attack is not implemented', unimplemented: true, unreachable: false } }) }));
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Not available yet: The attack could not be run');
    expect(alert.dataset['errorCode']).toBe('UNIMPLEMENTED');
    expect(screen.queryAllByTestId('gallery-item')).toHaveLength(0);
  });

  it('asks for a model before attacking', async () => {
    const loadGallery = jest.fn();
    render(await GalleryPage({ query: {}, loadModels: async () => ({ ok: true, data: [modelFixture()] }), loadGallery }));
    expect(screen.getByText('Choose a model and an attack')).toBeTruthy();
    expect(screen.getByRole('form', { name: 'Gallery settings' })).toBeTruthy();
    expect(loadGallery).not.toHaveBeenCalled();
  });
});
