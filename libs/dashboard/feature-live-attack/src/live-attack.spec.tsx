import { ReadableStream } from 'node:stream/web';
import { TextDecoder, TextEncoder } from 'node:util';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { AttackFrameView } from '@advlab/dashboard-util';
import { frameFixture } from '@advlab/dashboard-util/testing';
import { LiveAttack, attackReducer, initialAttackState, topKItems, type AttackStreamer, type StreamResponse } from './index';

const models = [{ id: 'mdl-1', name: 'baseline', datasetId: 'fashion-mnist-mini', classNames: ['T-shirt', 'Trouser'], testImages: 1000 }];

Object.assign(globalThis, { TextDecoder });

const sse = (frames: AttackFrameView[], tail = ''): StreamResponse => ({
  ok: true,
  status: 200,
  json: async () => ({}),
  body: new ReadableStream<Uint8Array>({
      start(controller) {
        const encoder = new TextEncoder();
        for (const f of frames) controller.enqueue(encoder.encode(`event: frame\nid: ${f.step}\ndata: ${JSON.stringify(f)}\n\n`));
        if (tail) controller.enqueue(encoder.encode(tail));
        controller.close();
      },
    }) as unknown as StreamResponse['body'],
});

describe('attack state', () => {
  it('keeps the clean frame, the latest frame, the loss curve and the flip step', () => {
    let state = attackReducer(initialAttackState, { type: 'start' });
    state = attackReducer(state, { type: 'frame', frame: frameFixture(0) });
    state = attackReducer(state, { type: 'frame', frame: frameFixture(1) });
    state = attackReducer(state, { type: 'frame', frame: frameFixture(2, { success: true }) });
    state = attackReducer(state, { type: 'frame', frame: frameFixture(3, { success: true }) });
    state = attackReducer(state, { type: 'end' });
    expect(state).toMatchObject({ status: 'done', frames: 4, flippedAt: 2 });
    expect(state.first?.step).toBe(0);
    expect(state.curve.map((p) => p.step)).toEqual([0, 1, 2, 3]);
    expect(topKItems(frameFixture(2))[0]).toEqual({ label: 'T-shirt', probability: expect.closeTo(0.8), highlight: 'true' });
  });
});

describe('LiveAttack', () => {
  it('validates the settings before starting', async () => {
    const stream = jest.fn();
    render(<LiveAttack models={models} stream={stream} />);
    fireEvent.change(screen.getByLabelText('Steps'), { target: { value: '0' } });
    fireEvent.change(screen.getByLabelText('Index (0–999)'), { target: { value: '1000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start attack' }));
    expect(await screen.findByText('Steps must be at least 1')).toBeTruthy();
    expect(stream).not.toHaveBeenCalled();
  });

  it('streams frames into the image, the bars and the loss curve', async () => {
    const stream = jest.fn<ReturnType<AttackStreamer>, Parameters<AttackStreamer>>(async () => sse([0, 1, 2, 3].map((s) => frameFixture(s, { success: s >= 2, totalSteps: 3 }))));
    render(<LiveAttack models={models} stream={stream} initialModelId="mdl-1" />);
    fireEvent.change(screen.getByLabelText('Index (0–999)'), { target: { value: '7' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start attack' }));
    await waitFor(() => expect(screen.getByTestId('live-attack').dataset['status']).toBe('done'));
    expect(stream.mock.calls[0][0]).toMatchObject({ modelId: 'mdl-1', source: { type: 'dataset', datasetId: 'fashion-mnist-mini', index: '7' }, epsilon255: '8' });
    expect(screen.getByTestId('live-attack').dataset['frames']).toBe('4');
    expect(screen.getByText('Step 3 of 3')).toBeTruthy();
    expect(screen.getByText('Fooled at step 2')).toBeTruthy();
    expect(screen.getByRole('img', { name: 'Adversarial image at step 3' })).toBeTruthy();
    expect(document.querySelector('figure[data-points]')?.getAttribute('data-points')).toBe('4');
  });

  it('shows the server’s error, e.g. an attack server without StreamAttack', async () => {
    const stream = jest.fn(async () => sse([], `event: stream-error\ndata: ${JSON.stringify({ code: 'UNIMPLEMENTED', message: 'StreamAttack is not implemented', unimplemented: true })}\n\n`));
    render(<LiveAttack models={models} stream={stream} />);
    fireEvent.click(screen.getByRole('button', { name: 'Start attack' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Not available yet');
    expect(alert.textContent).toContain('UNIMPLEMENTED: StreamAttack is not implemented');
  });
});
