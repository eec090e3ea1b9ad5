import * as grpc from '@grpc/grpc-js';
import {
  ATTACK_STREAM_SERVICE_NAME,
  AttackMethod,
  AttackStreamServiceClient,
  Dataset,
  health,
  ImportDatasetRequest,
  LiveAttackRequest,
  Model as ModelRecord,
  promiseClient,
  SERVER_INFO_SERVICE_NAME,
  ServerInfoServiceClient,
  StreamAttackRequest,
  type AttackFrame,
  type LiveAttackResponse,
  type StreamAttackResponse,
} from '@advlab/contract';
import { encodeRaw } from '@advlab/data/testing';
import { listServicesByReflection } from '@advlab/grpc-server/testing';
import { createModel } from '@advlab/model';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { startAttackServer, type AttackServer } from './server';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const SIZE = 16;

function readFrames(stream: grpc.ClientReadableStream<StreamAttackResponse>): Promise<AttackFrame[]> {
  return new Promise((resolve, reject) => {
    const frames: AttackFrame[] = [];
    stream.on('data', (r: StreamAttackResponse) => r.frame && frames.push(r.frame));
    stream.on('error', reject);
    stream.on('end', () => resolve(frames));
  });
}

const waitFor = async (cond: () => boolean, ms: number) => {
  for (const t0 = Date.now(); !cond() && Date.now() - t0 < ms; ) await new Promise((r) => setTimeout(r, 20));
  return cond();
};

describe('attack server (real server, real client)', () => {
  let dir: string;
  let server: AttackServer;
  let client: AttackStreamServiceClient;
  let dataset: Dataset;
  const modelId = 'mdl-test';
  let png: Buffer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-attack-'));
    const folder = path.join(dir, 'imgs');
    for (const [c, rgb] of [['dark', 40], ['light', 210]] as const) {
      fs.mkdirSync(path.join(folder, c), { recursive: true });
      for (let i = 0; i < 6; i++) {
        const px = new Uint8Array(SIZE * SIZE * 3).map((_, j) => rgb + ((j * 7 + i * 13) % 30));
        fs.writeFileSync(path.join(folder, c, `${i}.png`), await encodeRaw(px, SIZE, SIZE, 3, 'png'));
      }
    }
    png = fs.readFileSync(path.join(folder, 'light', '0.png'));
    server = await startAttackServer({ dataDir: path.join(dir, 'data'), port: 0, maxConcurrentAttacks: 1, logger: quiet, files: { importRoots: [dir] } });
    dataset = await server.registry.datasets.import(
      ImportDatasetRequest.fromPartial({ name: 'tiny', source: { $case: 'imageFolder', value: folder }, imageSize: SIZE }),
      () => undefined,
      new AbortController().signal,
    );
    // An untrained model is enough for the stream's mechanics and invariants.
    const model = createModel({ featureMaps: [4, 8], imageSize: SIZE, dropRate: 0 }, 2, 1);
    await server.registry.models.writeCheckpoint(modelId, model, { classNames: dataset.classNames });
    await server.registry.models.register(
      ModelRecord.fromPartial({ id: modelId, datasetId: dataset.id, config: { featureMaps: [4, 8], imageSize: SIZE, classNames: dataset.classNames }, training: { seed: 1, validationFraction: 0.5 } }),
    );
    model.dispose();
    client = new AttackStreamServiceClient(server.address, grpc.credentials.createInsecure());
  }, 60_000);

  afterAll(async () => {
    client.close();
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers SERVING and lists its service through reflection', async () => {
    const hc = new health.HealthClient(server.address, grpc.credentials.createInsecure());
    expect((await promiseClient(hc).check({ service: ATTACK_STREAM_SERVICE_NAME })).status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    hc.close();
    expect(await listServicesByReflection(server.address)).toEqual([ATTACK_STREAM_SERVICE_NAME, SERVER_INFO_SERVICE_NAME, 'grpc.health.v1.Health'].sort());
    const infoClient = new ServerInfoServiceClient(server.address, grpc.credentials.createInsecure());
    const { info } = await promiseClient(infoClient).getServerInfo({});
    infoClient.close();
    expect(info).toMatchObject({ service: 'attack-server', pid: process.pid });
    expect(info?.load?.runningAttacks).toBe(0);
  });

  it('streams the clean image, then one frame per PGD step, within the budget', async () => {
    const eps = 8 / 255;
    const frames = await readFrames(
      client.streamAttack(
        StreamAttackRequest.fromPartial({
          modelId,
          image: { $case: 'datasetImage', value: { datasetId: dataset.id, split: 2, index: 1 } },
          attack: { epsilon: eps, stepSize: 2 / 255, steps: 5 },
          topK: 2,
        }),
      ),
    );
    expect(frames.map((f) => f.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(frames.every((f) => f.totalSteps === 5)).toBe(true);
    expect(frames[0].maxPerturbation).toBe(0);
    expect(frames[0].loss).toBeGreaterThan(0); // the clean image's attack loss
    // Step 1 reports the loss at the random start, a small move from the clean image.
    expect(frames[1].loss).toBeCloseTo(frames[0].loss, 2);
    for (const f of frames) {
      expect(f.maxPerturbation).toBeLessThanOrEqual(eps + 1e-6);
      expect(f.prediction?.topK).toHaveLength(2);
      const sum = (f.prediction?.topK ?? []).reduce((s, p) => s + p.probability, 0);
      expect(sum).toBeCloseTo(1, 5);
      const [img, pert] = await Promise.all([sharp(f.imagePng).metadata(), sharp(f.perturbationPng).metadata()]);
      expect([img.width, img.height, pert.width, pert.height]).toEqual([SIZE, SIZE, SIZE, SIZE]);
    }
    expect(frames[5].loss).toBeGreaterThanOrEqual(frames[1].loss - 1e-6); // PGD climbs the loss
  }, 60_000);

  it('attacks an uploaded image, sending every n-th frame and always the last', async () => {
    const frames = await readFrames(
      client.streamAttack(
        StreamAttackRequest.fromPartial({ modelId, image: { $case: 'upload', value: { id: 'x.png', data: png } }, attack: { steps: 5 }, frameEvery: 2 }),
      ),
    );
    expect(frames.map((f) => f.step)).toEqual([0, 2, 4, 5]);
  }, 60_000);

  const upload = () => ({ $case: 'upload' as const, value: { id: 'x', data: png } });
  it.each([
    ['an unknown model', () => StreamAttackRequest.fromPartial({ modelId: 'mdl-nope', image: upload() }), grpc.status.NOT_FOUND, /model "mdl-nope" not found/],
    ['no image', () => StreamAttackRequest.fromPartial({ modelId }), grpc.status.INVALID_ARGUMENT, /image is required/],
    ['a corrupt upload', () => StreamAttackRequest.fromPartial({ modelId, image: { $case: 'upload', value: { id: 'x', data: Buffer.from('junk') } } }), grpc.status.INVALID_ARGUMENT, /not a readable image/],
    ['top_k beyond the classes', () => StreamAttackRequest.fromPartial({ modelId, image: upload(), topK: 3 }), grpc.status.INVALID_ARGUMENT, /top_k must be in \[1, 2\], got 3/],
    ['eps above 1', () => StreamAttackRequest.fromPartial({ modelId, image: upload(), attack: { epsilon: 3 } }), grpc.status.INVALID_ARGUMENT, /attack\.epsilon/],
    ['AutoAttack, which has no steps to stream', () => StreamAttackRequest.fromPartial({ modelId, image: upload(), attack: { method: AttackMethod.ATTACK_METHOD_AUTOATTACK } }), grpc.status.INVALID_ARGUMENT, /AutoAttack is a cascade of attacks/],
    ['an index past the split', () => StreamAttackRequest.fromPartial({ modelId, image: { $case: 'datasetImage', value: { datasetId: dataset.id, split: 2, index: 999 } } }), grpc.status.INVALID_ARGUMENT, /index must be in \[0, 5\], got 999/],
  ])('refuses %s with a readable status', async (_name, request, code, message) => {
    await expect(readFrames(client.streamAttack(request()))).rejects.toMatchObject({ code, details: expect.stringMatching(message) });
  });

  it('a slow reader pauses the attack (no unbounded buffering); leaving stops it', async () => {
    const stream = client.streamAttack(
      StreamAttackRequest.fromPartial({ modelId, image: { $case: 'upload', value: { id: 'x', data: png } }, attack: { steps: 1000, stepSize: 1 / 255 } }),
    );
    stream.on('error', () => undefined);
    let received = 0;
    await new Promise<void>((resolve) =>
      stream.on('data', () => {
        received++;
        if (received === 1) {
          stream.pause();
          resolve();
        }
      }),
    );
    // Unthrottled, 1000 steps of this tiny net finish in well under a second; paused, the attack must wait.
    await new Promise((r) => setTimeout(r, 1500));
    expect(server.activeAttacks()).toBe(1);
    // The limit holds while it waits.
    await expect(
      readFrames(client.streamAttack(StreamAttackRequest.fromPartial({ modelId, image: { $case: 'upload', value: { id: 'y', data: png } } }))),
    ).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    stream.cancel();
    expect(await waitFor(() => server.activeAttacks() === 0, 5000)).toBe(true);
  }, 60_000);

  it('leaks no tensors across attacks, finished or abandoned', async () => {
    const request = StreamAttackRequest.fromPartial({ modelId, image: { $case: 'upload', value: { id: 'x', data: png } }, attack: { steps: 4 } });
    await readFrames(client.streamAttack(request)); // loads and caches the model
    const before = tf.memory().numTensors;
    expect(before).toBeGreaterThan(0);
    await readFrames(client.streamAttack(request));
    const abandoned = client.streamAttack(StreamAttackRequest.fromPartial({ ...request, attack: { steps: 500 } }));
    abandoned.on('error', () => undefined);
    await new Promise((resolve) => abandoned.once('data', resolve));
    abandoned.cancel();
    expect(await waitFor(() => server.activeAttacks() === 0, 5000)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('LiveAttack: each incoming image gets its frames back, tagged, in order', async () => {
    const call = client.liveAttack();
    const got: LiveAttackResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (r: LiveAttackResponse) => got.push(r));
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write(LiveAttackRequest.fromPartial({ imageId: 'first', modelId, image: { $case: 'upload', value: { id: 'a', data: png } }, attack: { steps: 2 }, topK: 1 }));
    call.write(LiveAttackRequest.fromPartial({ imageId: 'second', modelId, image: { $case: 'datasetImage', value: { datasetId: dataset.id, split: 2, index: 0 } }, attack: { steps: 3 }, topK: 1 }));
    call.end();
    await done;
    expect(got.map((r) => `${r.imageId}:${r.frame?.step}`)).toEqual(['first:0', 'first:1', 'first:2', 'second:0', 'second:1', 'second:2', 'second:3']);
  }, 60_000);

  it('live attacks take a slot per image, not per stream: three idle streams do not block a fourth client, and close after the idle timeout', async () => {
    const patient = await startAttackServer({ dataDir: path.join(dir, 'data'), port: 0, maxConcurrentAttacks: 2, liveIdleTimeoutMs: 1_000, logger: quiet });
    const other = new AttackStreamServiceClient(patient.address, grpc.credentials.createInsecure());
    try {
      const ended = (call: grpc.ClientDuplexStream<LiveAttackRequest, LiveAttackResponse>) =>
        new Promise<{ code: grpc.status; details: string; frames: number }>((resolve) => {
          let frames = 0;
          call.on('data', () => frames++);
          call.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details, frames }));
          call.on('end', () => resolve({ code: grpc.status.OK, details: '', frames }));
        });
      const idle = [other.liveAttack(), other.liveAttack(), other.liveAttack()];
      const idleEnds = idle.map(ended);
      // One stream attacks an image, then falls idle too.
      idle[0].write(LiveAttackRequest.fromPartial({ imageId: 'a', modelId, image: { $case: 'upload', value: { id: 'a', data: png } }, attack: { steps: 2 } }));
      await new Promise((r) => setTimeout(r, 300));
      // A fourth client is served at once.
      const frames = await readFrames(other.streamAttack(StreamAttackRequest.fromPartial({ modelId, image: { $case: 'upload', value: { id: 'b', data: png } }, attack: { steps: 3 } })));
      expect(frames.map((f) => f.step)).toEqual([0, 1, 2, 3]);
      const closed = await Promise.all(idleEnds);
      for (const c of closed) expect(c).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED, details: 'no image for 1 s: the live attack stream was closed; open a new one' });
      expect(closed.map((c) => c.frames)).toEqual([3, 0, 0]);
      expect(patient.activeAttacks()).toBe(0);
    } finally {
      other.close();
      await patient.shutdown();
    }
  }, 60_000);
});
