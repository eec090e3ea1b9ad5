import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { health } from '@advlab/contract';
import { closeClients, getHealthClient } from './clients';
import { formatSSE, grpcStreamToSSE, sseResponse, type CancellableStream } from './sse';

const decoder = new TextDecoder();

/** A stream whose messages are produced on demand; records how far it was read. */
function fakeStream<T>(messages: T[], failWith?: unknown) {
  const state = { pulled: 0, cancelled: false };
  const stream: CancellableStream<T> = {
    cancel: () => {
      state.cancelled = true;
    },
    async *[Symbol.asyncIterator]() {
      for (const message of messages) {
        state.pulled += 1;
        yield message;
      }
      if (failWith) throw failWith;
    },
  };
  return { stream, state };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk);
  return text;
}

describe('formatSSE', () => {
  it('writes event, id and JSON data', () => {
    expect(formatSSE({ event: 'frame', id: '7', data: { step: 1 } })).toBe('event: frame\nid: 7\ndata: {"step":1}\n\n');
    expect(formatSSE({ data: 'a\nb' })).toBe('data: "a\\nb"\n\n');
  });
});

describe('grpcStreamToSSE', () => {
  it('emits one event per message and closes at the end', async () => {
    const { stream, state } = fakeStream([{ n: 1 }, { n: 2 }]);
    const text = await readAll(grpcStreamToSSE(stream, { toEvent: (m) => ({ event: 'tick', data: m }) }));
    expect(text).toBe('event: tick\ndata: {"n":1}\n\nevent: tick\ndata: {"n":2}\n\n');
    expect(state.cancelled).toBe(false);
  });

  it('reads from the call only when pulled', async () => {
    const { stream, state } = fakeStream([1, 2, 3, 4, 5]);
    const reader = grpcStreamToSSE(stream).getReader();
    await reader.read();
    await new Promise((r) => setTimeout(r, 10));
    expect(state.pulled).toBeLessThanOrEqual(2);
    await reader.cancel();
    expect(state.cancelled).toBe(true);
  });

  it('skips messages mapped to null', async () => {
    const { stream } = fakeStream([1, 2, 3]);
    const text = await readAll(grpcStreamToSSE(stream, { toEvent: (n) => (n === 2 ? null : { data: n }) }));
    expect(text).toBe('data: 1\n\ndata: 3\n\n');
  });

  it('turns a failure into an error event', async () => {
    const { stream } = fakeStream([1], Object.assign(new Error('x'), { code: 14, details: 'connection lost' }));
    const text = await readAll(grpcStreamToSSE(stream));
    expect(text).toBe('data: 1\n\nevent: error\ndata: {"message":"connection lost","code":14}\n\n');
  });

  it('cancels the call when the signal aborts', async () => {
    const { stream, state } = fakeStream([1, 2, 3]);
    const abort = new AbortController();
    const reader = grpcStreamToSSE(stream, { signal: abort.signal }).getReader();
    expect(decoder.decode((await reader.read()).value)).toBe('data: 1\n\n');
    abort.abort();
    expect(state.cancelled).toBe(true);
    expect((await reader.read()).done).toBe(true);
  });

  it('builds an event-stream response', async () => {
    const { stream } = fakeStream([1]);
    const response = sseResponse(grpcStreamToSSE(stream), { status: 200 });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(await response.text()).toBe('data: 1\n\n');
  });

  describe('over a real gRPC stream (grpc.health.v1 Watch)', () => {
    let server: grpc.Server;
    let impl: HealthImplementation;
    let address: string;

    beforeAll(async () => {
      server = new grpc.Server();
      impl = new HealthImplementation({ 'demo.Service': 'SERVING' });
      impl.addToServer(server);
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
      );
      address = `127.0.0.1:${port}`;
    });
    afterAll(() => {
      closeClients();
      server.forceShutdown();
    });

    it('streams status changes and cancels the call when the reader goes away', async () => {
      const call = getHealthClient(address).watch({ service: 'demo.Service' });
      const reader = grpcStreamToSSE<health.HealthCheckResponse>(call, {
        toEvent: (m) => ({ event: 'status', data: health.healthCheckResponse_ServingStatusToJSON(m.status) }),
      }).getReader();

      expect(decoder.decode((await reader.read()).value)).toBe('event: status\ndata: "SERVING"\n\n');
      impl.setStatus('demo.Service', 'NOT_SERVING');
      expect(decoder.decode((await reader.read()).value)).toBe('event: status\ndata: "NOT_SERVING"\n\n');

      const cancelled = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      await reader.cancel();
      expect((await cancelled).code).toBe(grpc.status.CANCELLED);
    });
  });
});
