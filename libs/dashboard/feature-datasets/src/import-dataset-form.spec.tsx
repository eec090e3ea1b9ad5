import { ReadableStream } from 'node:stream/web';
import { TextDecoder, TextEncoder } from 'node:util';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { datasetFixture } from '@advlab/dashboard-util/testing';
import { ImportDatasetForm, importFraction, importReducer, initialImportState, type ImportStreamResponse, type ImportStreamer } from './index';

const refresh = jest.fn();
jest.mock('next/navigation', () => ({ useRouter: () => ({ refresh }) }));

Object.assign(globalThis, { TextDecoder });

const encoder = new TextEncoder();
const event = (name: string, data: unknown) => encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

/** A response whose events are pushed by the test, one at a time. */
function controlledStream() {
  let push: (chunk: Uint8Array) => void = () => undefined;
  let close: () => void = () => undefined;
  const response: ImportStreamResponse = {
    ok: true,
    status: 200,
    json: async () => ({}),
    body: new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => controller.enqueue(chunk);
        close = () => controller.close();
      },
    }) as unknown as ImportStreamResponse['body'],
  };
  return { response, push: (name: string, data: unknown) => push(event(name, data)), close: () => close() };
}

const fill = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

beforeEach(() => refresh.mockClear());

describe('import state', () => {
  it('follows progress, then the dataset, and ignores progress after the end', () => {
    let state = importReducer(initialImportState, { type: 'start' });
    state = importReducer(state, { type: 'progress', done: 3, total: 8, skipped: 1 });
    expect(state).toEqual({ status: 'importing', done: 3, total: 8, skipped: 1 });
    state = importReducer(state, { type: 'dataset', dataset: datasetFixture() });
    expect(importReducer(state, { type: 'progress', done: 8, total: 8, skipped: 1 }).status).toBe('done');
    expect(importReducer(state, { type: 'cancel' }).status).toBe('done');
    expect(importFraction(3, 8)).toBe(0.375);
    expect(importFraction(0, 0)).toBe(0);
  });
});

describe('ImportDatasetForm', () => {
  it('labels every field and starts with an image size of 64', () => {
    render(<ImportDatasetForm stream={jest.fn()} />);
    expect(screen.getByLabelText('Name')).toBeTruthy();
    expect(screen.getByLabelText('Folder path')).toBeTruthy();
    expect((screen.getByLabelText('Image size') as HTMLInputElement).value).toBe('64');
    expect(screen.getByLabelText('Test folder (optional)')).toBeTruthy();
  });

  it('shows validation errors next to the fields and sends nothing', async () => {
    const stream = jest.fn();
    render(<ImportDatasetForm stream={stream} />);
    fill('Name', 'my flowers');
    fill('Image size', '1000');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('Use letters, digits, dots, dashes and underscores only')).toBeTruthy();
    expect(screen.getByText('Enter the folder path')).toBeTruthy();
    expect(screen.getByText('Image size must be at most 512')).toBeTruthy();
    const name = screen.getByLabelText('Name');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(name.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Use letters, digits, dots, dashes and underscores only');
    expect(stream).not.toHaveBeenCalled();
  });

  it('draws progress as events arrive, then the result, and refreshes the page', async () => {
    const { response, push, close } = controlledStream();
    const stream = jest.fn<ReturnType<ImportStreamer>, Parameters<ImportStreamer>>(async () => response);
    render(<ImportDatasetForm stream={stream} />);
    fill('Name', 'flowers');
    fill('Folder path', '/data/flowers');
    fill('Image size', '32');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));

    await waitFor(() => expect(screen.getByTestId('import-form').dataset['status']).toBe('importing'));
    expect(stream.mock.calls[0][0]).toEqual({ name: 'flowers', folder: '/data/flowers', imageSize: 32 });
    expect(screen.getByRole('button', { name: 'Importing…' })).toHaveProperty('disabled', true);
    expect(screen.getByLabelText('Name').closest('fieldset')).toHaveProperty('disabled', true);

    push('progress', { done: 3, total: 8, skipped: 0 });
    await screen.findByText('3 of 8 files');
    const bar = screen.getByRole('progressbar', { name: 'Import progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('3');
    expect(bar.getAttribute('aria-valuemax')).toBe('8');
    expect((bar.firstElementChild as HTMLElement).style.width).toBe('37.5%');

    push('progress', { done: 8, total: 8, skipped: 1 });
    await screen.findByText('8 of 8 files · 1 skipped');
    expect(refresh).not.toHaveBeenCalled();

    push('dataset', datasetFixture({ id: 'flowers', name: 'flowers', imageSize: 32, classNames: ['daisy', 'rose'], trainCounts: [4, 3], skipped: [{ path: 'rose/broken.png', reason: 'corrupt' }] }));
    close();
    const result = await screen.findByTestId('import-result');
    expect(result.textContent).toContain('Imported flowers: 2 classes, 7 training images, 32 px.');
    expect(within(result).getByRole('list', { name: 'Images per class' }).textContent).toContain('daisy 4');
    const skipped = within(result).getByRole('list', { name: 'Skipped files' });
    expect(skipped.textContent).toContain('rose/broken.png');
    expect(skipped.textContent).toContain('corrupt');
    expect(within(result).getByRole('link', { name: 'Show it' }).getAttribute('href')).toBe('/datasets?dataset=flowers');
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByRole('button', { name: 'Import' })).toHaveProperty('disabled', false);
  });

  it('shows the service’s message when the import fails', async () => {
    const { response, push, close } = controlledStream();
    render(<ImportDatasetForm stream={async () => response} />);
    fill('Name', 'few');
    fill('Folder path', '/data/one-class');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(screen.getByTestId('import-form').dataset['status']).toBe('importing'));
    push('stream-error', { code: 'INVALID_ARGUMENT', message: 'an ImageFolder needs at least 2 class folders, found 1', unimplemented: false, unreachable: false });
    close();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The folder could not be imported');
    expect(alert.textContent).toContain('INVALID_ARGUMENT: an ImageFolder needs at least 2 class folders, found 1');
    expect(refresh).not.toHaveBeenCalled();
  });

  it('shows the server’s field errors when the route refuses the request', async () => {
    const stream: ImportStreamer = async () => ({
      ok: false,
      status: 400,
      body: null,
      json: async () => ({ error: { code: 'INVALID_ARGUMENT', message: 'Some fields need attention' }, fieldErrors: { folder: 'Enter an absolute path on the server, e.g. /data/flowers' } }),
    });
    render(<ImportDatasetForm stream={stream} />);
    fill('Name', 'flowers');
    fill('Folder path', '/data/flowers');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Some fields need attention');
    expect(screen.getByText('Enter an absolute path on the server, e.g. /data/flowers')).toBeTruthy();
  });

  it('cancels the request when asked', async () => {
    const { response } = controlledStream();
    let signal: AbortSignal | undefined;
    render(
      <ImportDatasetForm
        stream={async (_body, s) => {
          signal = s;
          return response;
        }}
      />,
    );
    fill('Name', 'flowers');
    fill('Folder path', '/data/flowers');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(signal?.aborted).toBe(true);
    await screen.findByText('Import cancelled.');
  });
});
