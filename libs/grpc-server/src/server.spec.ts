import * as grpc from '@grpc/grpc-js';
import { health } from '@advlab/contract';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sameToken } from './auth';
import { tlsFromEnv } from './config';
import { isLoopback, startGrpcServer, type RunningGrpcServer } from './server';
import { bidiStream, serverStream, unary } from './handlers';
import { invalidArgument, notFound } from './errors';
import { listServicesByReflection, reflectionKnowsSymbol } from './testing';
import { withUnimplemented } from './unimplemented';
import { clientCredentials, connectionFromEnv, PROTO_FILES, PROTO_ROOT, HEALTH_PROTO_FILE } from '@advlab/contract';

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
  Stall: { path: '/test.Echo/Stall', requestStream: false, responseStream: false, ...json },
  Count: { path: '/test.Echo/Count', requestStream: false, responseStream: true, ...json },
  Upper: { path: '/test.Echo/Upper', requestStream: true, responseStream: true, ...json },
  Later: { path: '/test.Echo/Later', requestStream: false, responseStream: true, ...json },
};
const EchoClient = grpc.makeGenericClientConstructor(EchoService, 'Echo');
type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

const logged: string[] = [];
const quietLogger = { info: () => undefined, warn: () => undefined, error: (...args: unknown[]) => void logged.push(args.map(String).join(' ')) };

describe('startGrpcServer', () => {
  let running: RunningGrpcServer;
  let client: AnyClient;
  let cancelledCount: number;
  let stalled: () => void = () => undefined;
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
        // Works until the client goes, then fails with the abort's reason, as handlers do.
        Stall: unary('Stall', async (_req: unknown, ctx) => {
          stalled();
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
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

  it('does not log a unary call the client cancelled as an incident', async () => {
    const started = new Promise<void>((resolve) => (stalled = resolve));
    const before = logged.length;
    const pending = new Promise<grpc.ServiceError>((resolve) => {
      const c = (client.Stall as (r: unknown, cb: (e: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall).call(client, {}, (e) => resolve(e as grpc.ServiceError));
      void started.then(() => c.cancel());
    });
    expect((await pending).code).toBe(grpc.status.CANCELLED);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logged.slice(before)).toEqual([]);
    // An unexpected error is still logged, with its incident id.
    await expect(call('Boom', {})).rejects.toMatchObject({ code: grpc.status.INTERNAL });
    expect(logged.slice(before).join('\n')).toMatch(/Boom failed \(incident inc-[0-9a-f]{8}\)/);
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

  it('guards server-streaming and bidirectional calls and reflection too; a client interceptor adds the token', async () => {
    const running = await startGrpcServer({
      label: 't',
      services: [
        {
          name: 'test.Echo',
          definition: EchoService,
          implementation: withUnimplemented(EchoService, {
            Count: serverStream('Count', async function* (req: { n: number }) {
              for (let i = 0; i < req.n; i++) yield { i };
            }),
            Upper: bidiStream('Upper', async function* (requests: AsyncIterable<{ text: string }>) {
              for await (const r of requests) yield { text: r.text.toUpperCase() };
            }),
          }, () => 'not in this test'),
        },
      ],
      reflection: { files: [...PROTO_FILES, HEALTH_PROTO_FILE], includeDirs: [PROTO_ROOT] },
      token: 's3cret',
      logger: quietLogger,
    });
    const outcome = (call: grpc.ClientReadableStream<unknown>) =>
      new Promise<{ code: grpc.status; messages: number }>((resolve) => {
        let messages = 0;
        call.on('data', () => messages++);
        call.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, messages }));
        call.on('status', (st: grpc.StatusObject) => st.code === grpc.status.OK && resolve({ code: st.code, messages }));
      });
    const anonymous = new EchoClient(running.address, grpc.credentials.createInsecure()) as unknown as AnyClient;
    expect(await outcome((anonymous.Count as (r: unknown) => grpc.ClientReadableStream<unknown>).call(anonymous, { n: 3 }))).toEqual({ code: grpc.status.UNAUTHENTICATED, messages: 0 });
    const bidi = (anonymous.Upper as () => grpc.ClientDuplexStream<unknown, unknown>).call(anonymous);
    bidi.write({ text: 'a' });
    bidi.end();
    expect(await outcome(bidi)).toEqual({ code: grpc.status.UNAUTHENTICATED, messages: 0 });
    await expect(listServicesByReflection(running.address)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });

    const { credentials, options } = clientCredentials({ token: 's3cret' });
    const authorised = new EchoClient(running.address, credentials, options) as unknown as AnyClient;
    expect(await outcome((authorised.Count as (r: unknown) => grpc.ClientReadableStream<unknown>).call(authorised, { n: 3 }))).toEqual({ code: grpc.status.OK, messages: 3 });
    const bidi2 = (authorised.Upper as () => grpc.ClientDuplexStream<unknown, unknown>).call(authorised);
    bidi2.write({ text: 'a' });
    bidi2.end();
    expect(await outcome(bidi2)).toEqual({ code: grpc.status.OK, messages: 1 });
    anonymous.close();
    authorised.close();
    await running.shutdown();
  });

  it('compares tokens without depending on their length', () => {
    expect(sameToken('s3cret', 's3cret')).toBe(true);
    expect(sameToken('s3cre', 's3cret')).toBe(false);
    expect(sameToken('s3cret-and-more', 's3cret')).toBe(false);
    expect(sameToken('', 's3cret')).toBe(false);
  });
});

describe('binding and transport', () => {
  it('refuses a non-loopback address without a token, saying what to set', async () => {
    await expect(startGrpcServer({ label: 'open', host: '0.0.0.0', services: [], logger: quietLogger })).rejects.toThrow(
      /open: refusing to listen on 0\.0\.0\.0 without a token.*Set ADVLAB_TOKEN/,
    );
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'lab-server', '128.0.0.1']) expect(isLoopback(host)).toBe(false);
  });

  it('listens on a non-loopback address with a token (and warns without TLS)', async () => {
    const warnings: string[] = [];
    const running = await startGrpcServer({ label: 'lab', host: '0.0.0.0', services: [], token: 't', logger: { ...quietLogger, warn: (m: string) => warnings.push(m) } });
    expect(warnings.join('\n')).toMatch(/without TLS: the bearer token crosses the network in plaintext/);
    await running.shutdown();
  });

  const openssl = '/usr/bin/openssl';
  (fs.existsSync(openssl) ? it : it.skip)('serves TLS with ADVLAB_TLS_CERT/KEY: a client trusting the certificate connects, a plaintext one does not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-tls-'));
    try {
      const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
      execFileSync(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
      const tls = tlsFromEnv({ ADVLAB_TLS_CERT: cert, ADVLAB_TLS_KEY: key });
      expect(() => tlsFromEnv({ ADVLAB_TLS_CERT: cert })).toThrow(/go together/);
      const running = await startGrpcServer({
        label: 'tls',
        services: [{ name: 'test.Echo', definition: EchoService, implementation: withUnimplemented(EchoService, { Echo: unary('Echo', async (r: unknown) => r) }, () => 'not in this test') }],
        tls,
        logger: quietLogger,
      });
      const echo = (c: AnyClient) =>
        new Promise((resolve, reject) => (c.Echo as (r: unknown, o: grpc.CallOptions, cb: (e: unknown, v: unknown) => void) => void).call(c, { a: 1 }, { deadline: Date.now() + 5_000 }, (e, v) => (e ? reject(e) : resolve(v))));
      const { credentials, options } = clientCredentials(connectionFromEnv({ ADVLAB_TLS_CA: cert }));
      const secure = new EchoClient(running.address, credentials, options) as unknown as AnyClient;
      await expect(echo(secure)).resolves.toEqual({ a: 1 });
      const plain = new EchoClient(running.address, grpc.credentials.createInsecure()) as unknown as AnyClient;
      await expect(echo(plain)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      secure.close();
      plain.close();
      await running.shutdown();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
