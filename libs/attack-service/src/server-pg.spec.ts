import * as grpc from '@grpc/grpc-js';
import { AttackStreamServiceClient, ImportDatasetRequest, Model as ModelRecord, StreamAttackRequest, type AttackFrame, type StreamAttackResponse } from '@advlab/contract';
import { encodeRaw } from '@advlab/data/testing';
import { createModel } from '@advlab/model';
import { openRegistry, type Registry } from '@advlab/registry';
import { postgresAvailable, startPostgres, type TestPostgres } from '@advlab/registry/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startAttackServer, type AttackServer } from './server';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const SIZE = 16;
const describePg = postgresAvailable() ? describe : describe.skip;

// Scaled out, the attack server shares nothing with the trainers but the database.
describePg('attack server on a PostgreSQL registry', () => {
  let pg: TestPostgres;
  let dir: string;
  let trainerSide: Registry;
  let server: AttackServer;
  let client: AttackStreamServiceClient;

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-attack-pg-'));
    const folder = path.join(dir, 'imgs');
    for (const [c, level] of [['dark', 40], ['light', 210]] as const) {
      fs.mkdirSync(path.join(folder, c), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const px = new Uint8Array(SIZE * SIZE * 3).map((_, j) => level + ((j * 7 + i * 13) % 30));
        fs.writeFileSync(path.join(folder, c, `${i}.png`), await encodeRaw(px, SIZE, SIZE, 3, 'png'));
      }
    }
    // What a trainer on another machine stored: a dataset and a model.
    trainerSide = await openRegistry(path.join(dir, 'trainer'), { databaseUrl: url, importRoots: [dir] });
    const dataset = await trainerSide.datasets.import(
      ImportDatasetRequest.fromPartial({ name: 'tiny', source: { $case: 'imageFolder', value: folder }, imageSize: SIZE }),
      () => undefined,
      new AbortController().signal,
    );
    const model = createModel({ featureMaps: [4, 8], imageSize: SIZE, dropRate: 0 }, 2, 1);
    await trainerSide.models.writeCheckpoint('mdl-shared', model, { classNames: dataset.classNames });
    await trainerSide.models.register(
      ModelRecord.fromPartial({ id: 'mdl-shared', datasetId: dataset.id, config: { featureMaps: [4, 8], imageSize: SIZE, classNames: dataset.classNames }, training: { seed: 1, validationFraction: 0.5 } }),
    );
    model.dispose();
    server = await startAttackServer({ dataDir: path.join(dir, 'attack'), port: 0, logger: quiet, files: { databaseUrl: url, importRoots: [dir] } });
    client = new AttackStreamServiceClient(server.address, grpc.credentials.createInsecure());
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await server?.shutdown();
    await trainerSide?.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('attacks a dataset image with a model another machine stored, within the budget', async () => {
    const eps = 8 / 255;
    const stream = client.streamAttack(
      StreamAttackRequest.fromPartial({
        modelId: 'mdl-shared',
        image: { $case: 'datasetImage', value: { datasetId: (await trainerSide.datasets.list()).find((d) => d.name === 'tiny')?.id, split: 2, index: 0 } },
        attack: { epsilon: eps, stepSize: 2 / 255, steps: 3 },
      }),
    );
    const frames = await new Promise<AttackFrame[]>((resolve, reject) => {
      const out: AttackFrame[] = [];
      stream.on('data', (r: StreamAttackResponse) => r.frame && out.push(r.frame));
      stream.on('error', reject);
      stream.on('end', () => resolve(out));
    });
    expect(frames.map((f) => f.step)).toEqual([0, 1, 2, 3]);
    for (const f of frames) expect(f.maxPerturbation).toBeLessThanOrEqual(eps + 1e-6);
    // The attack server copied the dataset's cache into its own data directory.
    expect(fs.readdirSync(path.join(dir, 'attack', 'datasets'))).toHaveLength(1);
  });
});
