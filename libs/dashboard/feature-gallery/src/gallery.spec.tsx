import { fireEvent, render, screen, within } from '@testing-library/react';
import { galleryItemFixture, modelFixture, robustFixture } from '@advlab/dashboard-util/testing';
import { GALLERY_DEFAULTS, GalleryAttack, GalleryGrid, GalleryPage, GalleryResults, amplifyPerturbation, galleryFormValues, maxAbsDelta, parseGalleryQuery, postGalleryAttack, type GalleryAttacker } from './index';

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
    expect(values).toEqual({ modelId: 'mdl-1', method: 'pgd', epsilon255: '4', steps: '20', stepSize255: '0.51', seed: '0' });
    expect(parseGalleryQuery(values)).toMatchObject({ ok: true, request: { epsilon255: 4, steps: 20, stepSize255: 0.51 } });
    expect(parseGalleryQuery({ ...values, steps: '0' })).toMatchObject({ ok: false, errors: { steps: 'Steps must be at least 1' } });
  });

  it('proposes the notebook’s PGD-20 at eps 8/255 with step 0.002 (pixel scale)', () => {
    const parsed = parseGalleryQuery({ modelId: 'mdl-1', ...GALLERY_DEFAULTS });
    if (!parsed.ok) throw new Error('the defaults do not validate');
    expect(parsed.request.method).toBe('pgd');
    expect(parsed.request.steps).toBe(20);
    expect(parsed.request.epsilon255 / 255).toBeCloseTo(8 / 255, 6);
    expect(parsed.request.stepSize255 / 255).toBeCloseTo(0.002, 5);
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

const galleryView = { result: robustFixture('pgd', 0.25), items, curve: [] };
const models = [
  { id: 'mdl-1', label: 'baseline (80.0%)' },
  { id: 'mdl-2', label: 'robust (70.0%)' },
];

describe('GalleryResults', () => {
  it('shows accuracies and the sanity checks as badges', () => {
    render(<GalleryResults gallery={galleryView} />);
    expect(screen.getByText('25.0%')).toBeTruthy();
    expect(screen.getByText('7 / 20')).toBeTruthy();
    const checks = screen.getByRole('list', { name: 'Sanity checks' });
    expect(within(checks).getByText('ε = 0 equals clean: yes (80.0%)')).toBeTruthy();
    expect(within(checks).getByText('max |δ| ≤ ε: yes (8.00 ≤ 8.00 /255)')).toBeTruthy();
    expect(screen.getAllByTestId('gallery-item')).toHaveLength(20);
  });
});

describe('GalleryResults of AutoAttack', () => {
  it('names the attack with its version, what each member of the cascade broke, its warnings, and what broke each image', () => {
    const result = robustFixture('autoattack', 0.5, {
      cascade: [
        { attack: 'apgd-ce', broken: 40, robustAccuracy: 0.6 },
        { attack: 'square', broken: 20, robustAccuracy: 0.5 },
      ],
      warnings: ['Square lowered the robust accuracy by 10.00% after the gradient-based attacks'],
    });
    const items = galleryView.items.map((item, i) => ({ ...item, brokenBy: i === 0 ? 'square' : i === 1 ? 'clean' : null }));
    render(<GalleryResults gallery={{ ...galleryView, result, items }} />);
    expect(screen.getByText(/AutoAttack \(fast\), ε 8\/255/)).toBeTruthy();
    expect(screen.getByTestId('cascade').textContent).toBe('apgd-ce broke 40 (60.0% left) → square broke 20 (50.0% left)');
    expect(screen.getByRole('note').textContent).toContain('Square lowered the robust accuracy');
    expect(screen.getAllByTestId('broken-by').map((e) => e.textContent)).toEqual(['broken by square · ']);
  });
});

describe('GalleryPage (GET)', () => {
  const fetchMock = jest.fn();
  beforeEach(() => {
    fetchMock.mockReset();
    Object.assign(globalThis, { fetch: fetchMock });
  });

  it('only fills the form from the query string: opening the page starts no attack', async () => {
    render(await GalleryPage({ query: { model: 'mdl-2', method: 'fgsm', eps: '4', steps: '7', step: '1', seed: '3' }, loadModels: async () => ({ ok: true, data: [modelFixture(), modelFixture({ id: 'mdl-2' })] }) }));
    const form = screen.getByRole('form', { name: 'Gallery settings' });
    expect((within(form).getByLabelText('Model') as HTMLSelectElement).value).toBe('mdl-2');
    expect((within(form).getByLabelText('Attack') as HTMLSelectElement).value).toBe('fgsm');
    expect((within(form).getByLabelText('ε (/255)') as HTMLInputElement).value).toBe('4');
    expect((within(form).getByLabelText('Steps') as HTMLInputElement).value).toBe('7');
    expect(screen.getByText('Choose a model and an attack')).toBeTruthy();
    expect(screen.queryByTestId('gallery')).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('says when there is no model to attack, or when models cannot be listed', async () => {
    const { unmount } = render(await GalleryPage({ query: {}, loadModels: async () => ({ ok: true, data: [] }) }));
    expect(screen.getByText('No models yet')).toBeTruthy();
    unmount();
    render(await GalleryPage({ query: {}, loadModels: async () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'down', unimplemented: false, unreachable: true } }) }));
    expect(screen.getByRole('alert').dataset['errorCode']).toBe('UNAVAILABLE');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('GalleryAttack (POST)', () => {
  const initial = { modelId: 'mdl-1', ...GALLERY_DEFAULTS };

  it('runs the attack when asked, with the form’s settings, and shows the gallery', async () => {
    const attack = jest.fn<ReturnType<GalleryAttacker>, Parameters<GalleryAttacker>>(async () => ({ ok: true, data: galleryView }));
    render(<GalleryAttack models={models} initial={initial} attack={attack} />);
    expect(attack).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'mdl-2' } });
    fireEvent.change(screen.getByLabelText('Steps'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Attack' }));
    await screen.findByTestId('gallery');
    expect(attack).toHaveBeenCalledTimes(1);
    expect(attack.mock.calls[0].slice(0, 2)).toEqual(['mdl-2', { method: 'pgd', epsilon255: 8, steps: 5, stepSize255: 0.51, seed: 0 }]);
    expect(screen.getAllByTestId('gallery-item')).toHaveLength(20);
    expect(within(screen.getByRole('list', { name: 'Sanity checks' })).getByText('ε = 0 equals clean: yes (80.0%)')).toBeTruthy();
    expect(new URLSearchParams(window.location.search).get('model')).toBe('mdl-2');
    expect(new URLSearchParams(window.location.search).get('steps')).toBe('5');
    fireEvent.change(screen.getByLabelText('Perturbation amplification'), { target: { value: '30' } });
    expect(screen.getAllByText('δ × 30')).toHaveLength(20);
  });

  it('offers every attack, and sends the one chosen', async () => {
    const attack = jest.fn<ReturnType<GalleryAttacker>, Parameters<GalleryAttacker>>(async () => ({ ok: true, data: galleryView }));
    render(<GalleryAttack models={models} initial={initial} attack={attack} />);
    const options = within(screen.getByLabelText('Attack')).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['PGD', 'FGSM', 'APGD-CE', 'APGD-DLR', 'APGD-T', 'Square', 'AutoAttack (fast)']);
    fireEvent.change(screen.getByLabelText('Attack'), { target: { value: 'autoattack' } });
    fireEvent.click(screen.getByRole('button', { name: 'Attack' }));
    await screen.findByTestId('gallery');
    expect(attack.mock.calls[0][1]).toMatchObject({ method: 'autoattack' });
    expect(new URLSearchParams(window.location.search).get('method')).toBe('autoattack');
  });

  it('checks the settings before sending them', async () => {
    const attack = jest.fn<ReturnType<GalleryAttacker>, Parameters<GalleryAttacker>>();
    render(<GalleryAttack models={models} initial={initial} attack={attack} />);
    fireEvent.change(screen.getByLabelText('Steps'), { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Attack' }));
    expect(await screen.findByText('Steps must be at least 1')).toBeTruthy();
    expect(attack).not.toHaveBeenCalled();
  });

  it('shows the service’s refusal, with the fields it names', async () => {
    const attack: GalleryAttacker = async () => ({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'Some fields need attention', unimplemented: false, unreachable: false },
      fieldErrors: { stepSize255: 'Step size must be above 0' },
    });
    render(<GalleryAttack models={models} initial={initial} attack={attack} />);
    fireEvent.click(screen.getByRole('button', { name: 'Attack' }));
    expect((await screen.findByRole('alert')).dataset['errorCode']).toBe('INVALID_ARGUMENT');
    expect(screen.getByText('Step size must be above 0')).toBeTruthy();
    expect(screen.queryAllByTestId('gallery-item')).toHaveLength(0);
  });

  it('says clearly when the server has no Attack yet', async () => {
    const attack: GalleryAttacker = async () => ({ ok: false, error: { code: 'UNIMPLEMENTED', message: 'Attack is not implemented', unimplemented: true, unreachable: false } });
    render(<GalleryAttack models={models} initial={initial} attack={attack} />);
    fireEvent.click(screen.getByRole('button', { name: 'Attack' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Not available yet: The attack could not be run');
    expect(screen.queryAllByTestId('gallery-item')).toHaveLength(0);
  });
});

describe('postGalleryAttack', () => {
  const fetchMock = jest.fn();
  beforeEach(() => {
    fetchMock.mockReset();
    Object.assign(globalThis, { fetch: fetchMock });
  });
  const body = { method: 'pgd' as const, epsilon255: 8, steps: 20, stepSize255: 0.51, seed: 0 };

  it('POSTs the settings as JSON to the model’s attack route and reads the gallery', async () => {
    fetchMock.mockResolvedValue({ ok: true, status: 200, json: async () => ({ gallery: galleryView }) });
    const signal = new AbortController().signal;
    await expect(postGalleryAttack('mdl 1', body, signal)).resolves.toEqual({ ok: true, data: galleryView });
    expect(fetchMock).toHaveBeenCalledWith('/api/models/mdl%201/attack', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });
  });

  it('returns the API’s error, or one naming the status when the answer is not JSON', async () => {
    fetchMock.mockResolvedValueOnce({ ok: false, status: 404, json: async () => ({ error: { code: 'NOT_FOUND', message: 'no model', unimplemented: false, unreachable: false } }) });
    await expect(postGalleryAttack('mdl-1', body, new AbortController().signal)).resolves.toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    fetchMock.mockResolvedValueOnce({ ok: false, status: 502, json: async () => Promise.reject(new Error('not json')) });
    await expect(postGalleryAttack('mdl-1', body, new AbortController().signal)).resolves.toMatchObject({ ok: false, error: { code: 'HTTP_502' } });
  });
});
