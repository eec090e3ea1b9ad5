import * as grpc from '@grpc/grpc-js';
import { TrainerServiceService, type Dataset, type ImportDatasetRequest, type ImportDatasetResponse } from '@advlab/contract';
import { closeClients } from './clients';
import { toImportDatasetRequest } from './requests';
import { importDatasetRoute } from './routes';
import { toImportEvent } from './views';

const wireDataset = (overrides: Partial<Dataset> = {}): Dataset => ({
  id: 'flowers',
  name: 'flowers',
  source: '/data/flowers',
  imageSize: 32,
  classNames: ['daisy', 'rose'],
  trainCounts: [4, 3],
  testCounts: [],
  skipped: [{ path: 'rose/broken.png', reason: 'corrupt' }],
  createdAt: new Date('2026-11-29T09:00:00Z'),
  builtin: false,
  ...overrides,
});

const post = (body: unknown, signal?: AbortSignal) =>
  new Request('http://localhost/api/datasets/import', { method: 'POST', headers: { Host: 'localhost', Origin: 'http://localhost', 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), signal });

describe('import: form data and wire events', () => {
  it('asks for an ImageFolder import with the chosen size and optional test folder', () => {
    expect(toImportDatasetRequest({ name: 'flowers', folder: '/data/flowers', imageSize: 32 })).toEqual({
      name: 'flowers',
      source: { $case: 'imageFolder', value: '/data/flowers' },
      imageSize: 32,
      testFolder: '',
      maxPixels: 0,
    });
    expect(toImportDatasetRequest({ name: 'f', folder: '/a', imageSize: 64, testFolder: '/b' }).testFolder).toBe('/b');
  });

  it('turns progress and the final dataset into views', () => {
    expect(toImportEvent({ event: { $case: 'progress', value: { done: 3, total: 8, skipped: 1 } } })).toEqual({ type: 'progress', done: 3, total: 8, skipped: 1 });
    const event = toImportEvent({ event: { $case: 'dataset', value: wireDataset() } });
    expect(event).toEqual({
      type: 'dataset',
      dataset: {
        id: 'flowers',
        name: 'flowers',
        source: '/data/flowers',
        imageSize: 32,
        classNames: ['daisy', 'rose'],
        trainCounts: [4, 3],
        testCounts: [],
        skipped: [{ path: 'rose/broken.png', reason: 'corrupt' }],
        createdAt: '2026-11-29T09:00:00.000Z',
        builtin: false,
      },
    });
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    expect(toImportEvent({ event: undefined })).toBeNull();
  });
});

describe('POST /api/datasets/import', () => {
  it('answers 400 with field errors before calling the trainer', async () => {
    const response = await importDatasetRoute(post({ name: 'bad name', folder: '', imageSize: 4 }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string }; fieldErrors: Record<string, string> };
    expect(body.error.code).toBe('INVALID_ARGUMENT');
    expect(body.fieldErrors).toEqual({
      name: 'Use letters, digits, dots, dashes and underscores only',
      folder: 'Enter the folder path',
      imageSize: 'Image size must be at least 8',
    });
    expect((await importDatasetRoute(post('not json'))).status).toBe(400);
  });

  describe('against a trainer over gRPC', () => {
    let server: grpc.Server;
    let previousAddress: string | undefined;
    const requests: ImportDatasetRequest[] = [];
    let cancelled: Promise<void>;
    let onCancelled: () => void = () => undefined;

    beforeAll(async () => {
      server = new grpc.Server();
      server.addService(TrainerServiceService, {
        importDataset: (call: grpc.ServerWritableStream<ImportDatasetRequest, ImportDatasetResponse>) => {
          requests.push(call.request);
          const folder = call.request.source?.$case === 'imageFolder' ? call.request.source.value : '';
          if (folder === '/missing') {
            call.emit('error', { code: grpc.status.NOT_FOUND, details: 'folder not found: /missing' });
            return;
          }
          call.write({ event: { $case: 'progress', value: { done: 4, total: 8, skipped: 0 } } });
          if (folder === '/slow') {
            call.on('cancelled', () => onCancelled());
            return;
          }
          call.write({ event: { $case: 'progress', value: { done: 8, total: 8, skipped: 1 } } });
          call.write({ event: { $case: 'dataset', value: wireDataset({ name: call.request.name, id: call.request.name }) } });
          call.end();
        },
      } as grpc.UntypedServiceImplementation);
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
      previousAddress = process.env['ADVLAB_TRAINER_ADDR'];
      process.env['ADVLAB_TRAINER_ADDR'] = `127.0.0.1:${port}`;
    });

    afterAll(() => {
      closeClients();
      server.forceShutdown();
      if (previousAddress === undefined) delete process.env['ADVLAB_TRAINER_ADDR'];
      else process.env['ADVLAB_TRAINER_ADDR'] = previousAddress;
    });

    it('streams progress, then the dataset', async () => {
      const response = await importDatasetRoute(post({ name: 'flowers', folder: '/data/flowers', imageSize: '32' }));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const text = await response.text();
      expect(text).toContain('event: progress\ndata: {"done":4,"total":8,"skipped":0}\n\n');
      expect(text).toContain('event: progress\ndata: {"done":8,"total":8,"skipped":1}\n\n');
      expect(text.indexOf('event: dataset')).toBeGreaterThan(text.lastIndexOf('event: progress'));
      expect(text).toContain('"skipped":[{"path":"rose/broken.png","reason":"corrupt"}]');
      expect(requests.at(-1)).toMatchObject({ name: 'flowers', source: { $case: 'imageFolder', value: '/data/flowers' }, imageSize: 32, testFolder: '' });
    });

    it('ends with the service’s message when the import fails', async () => {
      const text = await (await importDatasetRoute(post({ name: 'x', folder: '/missing' }))).text();
      expect(text).toBe(`event: stream-error\ndata: ${JSON.stringify({ code: 'NOT_FOUND', message: 'folder not found: /missing', unimplemented: false, unreachable: false })}\n\n`);
    });

    it('cancels the import when the browser goes away', async () => {
      cancelled = new Promise<void>((resolve) => (onCancelled = resolve));
      const browser = new AbortController();
      const response = await importDatasetRoute(post({ name: 'slow', folder: '/slow' }, browser.signal));
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: progress');
      browser.abort();
      await cancelled;
      expect((await reader.read()).done).toBe(true);
    });
  });
});
