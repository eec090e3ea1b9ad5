import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { NewRunForm, defaultFormValues, sweepTrialCount, validateRunForm } from './index';

const push = jest.fn();
jest.mock('next/navigation', () => ({ useRouter: () => ({ push, refresh: jest.fn() }) }));

const datasets = [{ id: 'fashion-mnist-mini', name: 'fashion-mnist-mini', imageSize: 28, classes: 10 }];
const models = [{ id: 'mdl-1', name: 'baseline', datasetId: 'fashion-mnist-mini' }];

describe('form state', () => {
  it('validates the defaults of every kind', () => {
    for (const kind of ['train', 'adversarial', 'sweep'] as const) expect(validateRunForm(defaultFormValues(kind, 'd')).ok).toBe(true);
  });

  it('counts the sweep grid while the axes parse', () => {
    expect(sweepTrialCount([{ path: 'a.b', values: '[1,2,3]' }, { path: 'a.c', values: '[true,false]' }])).toBe(6);
    expect(sweepTrialCount([{ path: 'a.b', values: '[1,' }])).toBeNull();
  });
});

describe('NewRunForm', () => {
  beforeEach(() => push.mockReset());

  it('shows field errors and sends nothing while the form is invalid', async () => {
    const submit = jest.fn();
    render(<NewRunForm datasets={datasets} models={models} submit={submit} />);
    fireEvent.change(screen.getByLabelText('Epochs'), { target: { value: '0' } });
    fireEvent.change(screen.getByLabelText('Feature maps'), { target: { value: ' , ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    expect(await screen.findByText('Epochs must be at least 1')).toBeTruthy();
    expect(screen.getByText('Enter at least one channel count, e.g. 8, 16')).toBeTruthy();
    expect(screen.getByLabelText('Epochs').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toContain('2 fields need attention.');
    expect(submit).not.toHaveBeenCalled();
  });

  it('sends a valid training request and opens the new run', async () => {
    const submit = jest.fn(async () => ({ ok: true as const, runId: 'run-7' }));
    render(<NewRunForm datasets={datasets} models={models} submit={submit} />);
    fireEvent.change(screen.getByLabelText('Batch mixing'), { target: { value: 'cutmix' } });
    expect((screen.getByLabelText('Alpha') as HTMLInputElement).value).toBe('1');
    fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(push).toHaveBeenCalledWith('/runs/run-7'));
    expect(submit).toHaveBeenCalledWith(expect.objectContaining({ kind: 'train', datasetId: 'fashion-mnist-mini', training: expect.objectContaining({ mix: 'cutmix', mixAlpha: '1' }) }));
  });

  it('offers the adversarial fields and shows the server’s refusal', async () => {
    const submit = jest.fn(async () => ({ ok: false as const, message: 'adversarial.attack.steps must be at most 1000', code: 'INVALID_ARGUMENT' }));
    render(<NewRunForm datasets={datasets} models={models} submit={submit} initialKind="adversarial" />);
    expect(screen.getByRole('option', { name: 'baseline' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Epsilon (/255)'), { target: { value: '300' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start adversarial training' }));
    expect(await screen.findByText('Epsilon must be at most 255 (in /255 units)')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Epsilon (/255)'), { target: { value: '8' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start adversarial training' }));
    expect(await screen.findByText('INVALID_ARGUMENT: adversarial.attack.steps must be at most 1000')).toBeTruthy();
  });

  it('edits sweep axes and validates their values', async () => {
    const submit = jest.fn();
    render(<NewRunForm datasets={datasets} models={models} submit={submit} initialKind="sweep" />);
    expect(screen.getByText('2 trials.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Add axis' }));
    expect(screen.getByText('4 trials.')).toBeTruthy();
    fireEvent.change(screen.getAllByLabelText('Values (JSON array)')[1], { target: { value: 'true, false' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start sweep' }));
    expect(await screen.findByText('Enter a JSON array of values, e.g. [0.001, 0.0005]')).toBeTruthy();
    expect(submit).not.toHaveBeenCalled();
  });
});
