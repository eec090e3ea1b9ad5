import * as grpc from '@grpc/grpc-js';
import { health } from '@advlab/contract';
import { startGrpcServer, type RunningGrpcServer } from './server';
import { bidiStream, serverStream, unary } from './handlers';
import { invalidArgument, notFound } from './errors';
import { listServicesByReflection, reflectionKnowsSymbol } from './testing';
import { withUnimplemented } from './unimplemented';
import { PROTO_FILES, PROTO_ROOT, HEALTH_PROTO_FILE } from '@advlab/contract';

// A tiny hand-written service (JSON payloads) to exercise the wrappers without codegen.
const json = {
  requestSerialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
  requestDeserialize: (b: Buffer) => JSON.parse(b.toString()),
  responseSerialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
  responseDeserialize: (b: Buffer) => JSON.parse(b.toString()),
};
const EchoService: grpc.ServiceDefinition = {
  Echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, ...json },
  Fail: { path: '/test.Echo/Fail', requestStream: false, responseStream: false, ...json },
  Boom: { path: '/test.Echo/Boom', requestStream: false, responseStream: false, ...json },
  Count: { path: '/test.Echo/Count', requestStream: false, responseStream: true, ...json },
  Upper: { path: '/test.Echo/Upper', requestStream: true, responseStream: true, ...json },
  Later: { path: '/test.Echo/Later', requestStream: false, responseStream: true, ...json },
};
const EchoClient = grpc.makeGenericClientConstructor(EchoService, 'Echo');
type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('startGrpcServer', () => {
  let running: RunningGrpcServer;
  let client: AnyClient;
  let cancelledCount: number;
  let produced: number;

  beforeAll(async () => {
    cancelledCount = 0;
    const implementation = withUnimplemented(
      EchoService,
      {
        Echo: unary('Echo', async (req: { text: string }) => ({ text: req.text })),
        Fail: unary('Fail', async (req: { what: string }) => {
          throw req.what === 'missing' ? notFound('run "x" not found') : invalidArgument('epochs must be >= 1');
        }),
        Boom: unary('Boom', async () => {
          throw new Error('kaboom');
        }),
        Count: serverStream('Count', async function* (req: { n: number }, ctx) {
          try {
            for (let i = 0; i < req.n; i++) {
              produced = i + 1;
              yield { i, pad: 'x'.repeat(64 * 1024) };
            }
          } finally {
            // The wrapper closes the generator when the client goes away.
            if (ctx.signal.aborted) cancelledCount++;
          }
        }),
        Upper: bidiStream('Upper', async function* (requests: AsyncIterable<{ text: string }>) {
          for await (const r of requests) yield { text: r.text.toUpperCase() };
        }),
      },
      (m) => `${m} comes later`,
    );
    running = await startGrpcServer({
      label: 'test',
      services: [{ name: 'test.Echo', definition: EchoService, implementation }],
      reflection: { files: [...PROTO_FILES, HEALTH_PROTO_FILE], includeDirs: [PROTO_ROOT] },
      logger: quietLogger,
    });
    client = new EchoClient(running.address, grpc.credentials.createInsecure()) as unknown as AnyClient;
  });

  afterAll(async () => {
    client.close();
    await running.shutdown();
  }, 15_000);

  const call = <T>(method: string, req: unknown) =>
    new Promise<T>((resolve, reject) =>
      (client[method] as (r: unknown, cb: (e: grpc.ServiceError | null, v: T) => void) => void).call(client, req, (e, v) =>
        e ? reject(e) : resolve(v),
      ),
    );

  it('binds 127.0.0.1 on a free port when asked for port 0', () => {
    expect(running.port).toBeGreaterThan(0);
    expect(running.address).toBe(`127.0.0.1:${running.port}`);
  });

  it('answers unary calls', async () => {
    await expect(call('Echo', { text: 'hi' })).resolves.toEqual({ text: 'hi' });
  });

  it('maps RpcErrors to their status with a readable message', async () => {
    await expect(call('Fail', { what: 'missing' })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: 'run "x" not found',
    });
    await expect(call('Fail', { what: 'bad' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('maps unexpected errors to INTERNAL and keeps serving', async () => {
    // The message of an unexpected error stays in the server's log, tied to the client's error by an incident id.
    await expect(call('Boom', {})).rejects.toMatchObject({
      code: grpc.status.INTERNAL,
      details: expect.stringMatching(/^internal error \(incident inc-[0-9a-f]{8}\); the server's log has the details$/),
    });
    await expect(call('Echo', { text: 'still up' })).resolves.toEqual({ text: 'still up' });
  });

  it('answers UNIMPLEMENTED naming the missing piece', async () => {
    const stream = client.Later({}) as grpc.ClientReadableStream<unknown>;
    const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.details).toBe('/test.Echo/Later is not implemented yet: Later comes later');
  });

  it('streams every message of a server stream in order', async () => {
    const stream = client.Count({ n: 5 }) as grpc.ClientReadableStream<{ i: number }>;
    const got: number[] = [];
    for await (const m of stream) got.push((m as { i: number }).i);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('stops producing when the reader stops reading (backpressure) and aborts on cancel', async () => {
    produced = 0;
    const stream = client.Count({ n: 100_000 }) as grpc.ClientReadableStream<unknown>;
    const cancelled = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    // A slow reader: takes the first message, then stops reading.
    stream.once('data', () => stream.pause());
    // Wait until the producer stalls: it must stop once transport buffers are full.
    let last = -1;
    for (let waited = 0; waited < 10_000 && produced !== last; waited += 500) {
      last = produced;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(produced).toBe(last);
    expect(produced).toBeGreaterThan(0);
    expect(produced).toBeLessThan(200); // of 100,000 asked for
    stream.cancel();
    expect((await cancelled).code).toBe(grpc.status.CANCELLED);
    await new Promise((r) => setTimeout(r, 300));
    expect(cancelledCount).toBe(1);
  }, 30_000);

  it('serves bidirectional streams', async () => {
    const stream = client.Upper() as grpc.ClientDuplexStream<{ text: string }, { text: string }>;
    const got: string[] = [];
    stream.on('data', (m: { text: string }) => got.push(m.text));
    const done = new Promise((r) => stream.on('end', r));
    stream.write({ text: 'a' });
    stream.write({ text: 'b' });
    stream.end();
    await done;
    expect(got).toEqual(['A', 'B']);
  });

  it('reports SERVING through grpc.health.v1 for the server and each service', async () => {
    const hc = new health.HealthClient(running.address, grpc.credentials.createInsecure());
    const check = (service: string) =>
      new Promise<health.HealthCheckResponse>((resolve, reject) =>
        hc.check({ service }, (e, r) => (e ? reject(e) : resolve(r))),
      );
    await expect(check('')).resolves.toEqual({ status: health.HealthCheckResponse_ServingStatus.SERVING });
    await expect(check('test.Echo')).resolves.toEqual({ status: health.HealthCheckResponse_ServingStatus.SERVING });
    await expect(check('no.Such')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    hc.close();
  });

  it('lists services and describes the advlab contract through reflection', async () => {
    const services = await listServicesByReflection(running.address);
    expect(services).toEqual(expect.arrayContaining(['advlab.v1.TrainerService', 'advlab.v1.AttackStreamService', 'grpc.health.v1.Health']));
    await expect(reflectionKnowsSymbol(running.address, 'advlab.v1.TrainRequest')).resolves.toBe(true);
  });
});

describe('shutdown', () => {
  it('marks services NOT_SERVING, then closes', async () => {
    const running = await startGrpcServer({ label: 't', services: [], logger: quietLogger, shutdownTimeoutMs: 2000 });
    const hc = new health.HealthClient(running.address, grpc.credentials.createInsecure());
    const watch = hc.watch({ service: '' });
    const statuses: health.HealthCheckResponse_ServingStatus[] = [];
    const sawNotServing = new Promise<void>((resolve) =>
      watch.on('data', (r: health.HealthCheckResponse) => {
        statuses.push(r.status);
        if (r.status === health.HealthCheckResponse_ServingStatus.NOT_SERVING) resolve();
      }),
    );
    watch.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const closed = running.shutdown();
    await sawNotServing;
    watch.cancel();
    await closed;
    expect(statuses[0]).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    expect(statuses).toContain(health.HealthCheckResponse_ServingStatus.NOT_SERVING);
    expect(running.shutdown()).toBe(closed);
    hc.close();
  });

  it('cuts calls still running after the timeout', async () => {
    const Slow: grpc.ServiceDefinition = {
      Wait: { path: '/t.Slow/Wait', requestStream: false, responseStream: true, ...json },
    };
    const running = await startGrpcServer({
      label: 't',
      services: [
        {
          name: 't.Slow',
          definition: Slow,
          implementation: {
            Wait: serverStream('Wait', async function* (_r: unknown, ctx) {
              yield { started: true };
              await new Promise((r) => setTimeout(r, 60_000).unref());
              if (!ctx.signal.aborted) yield { done: true };
            }),
          },
        },
      ],
      logger: quietLogger,
      shutdownTimeoutMs: 300,
    });
    const SlowClient = grpc.makeGenericClientConstructor(Slow, 'Slow');
    const c = new SlowClient(running.address, grpc.credentials.createInsecure()) as unknown as AnyClient;
    const stream = c.Wait({}) as grpc.ClientReadableStream<unknown>;
    const ended = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    await new Promise((r) => stream.once('data', r));
    const t0 = Date.now();
    await running.shutdown();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await ended).code).toBe(grpc.status.CANCELLED);
    c.close();
  });
});

describe('bearer token', () => {
  it('refuses calls without the token and lets health checks through', async () => {
    const running = await startGrpcServer({
      label: 't',
      services: [{ name: 'test.Echo', definition: EchoService, implementation: { Echo: unary('Echo', async (r: unknown) => r) } }],
      token: 's3cret',
      logger: quietLogger,
    });
    const c = new EchoClient(running.address, grpc.credentials.createInsecure()) as unknown as AnyClient;
    const echo = (md: grpc.Metadata) =>
      new Promise((resolve, reject) =>
        (c.Echo as (r: unknown, m: grpc.Metadata, cb: (e: unknown, v: unknown) => void) => void).call(c, { a: 1 }, md, (e, v) =>
          e ? reject(e) : resolve(v),
        ),
      );
    await expect(echo(new grpc.Metadata())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const wrong = new grpc.Metadata();
    wrong.set('authorization', 'Bearer nope');
    await expect(echo(wrong)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'invalid bearer token' });
    const right = new grpc.Metadata();
    right.set('authorization', 'Bearer s3cret');
    await expect(echo(right)).resolves.toEqual({ a: 1 });
    const hc = new health.HealthClient(running.address, grpc.credentials.createInsecure());
    await expect(
      new Promise((resolve, reject) => hc.check({ service: '' }, (e, r) => (e ? reject(e) : resolve(r)))),
    ).resolves.toEqual({ status: health.HealthCheckResponse_ServingStatus.SERVING });
    hc.close();
    c.close();
    await running.shutdown();
  });
});
