/**
 * `npm start`: starts the trainer, the attack server and the dashboard,
 * prints where each listens, trains a first small model on the bundled data
 * when the registry has none, and stops everything on Ctrl-C.
 *
 * Environment: ADVLAB_TRAINER_PORT (50051), ADVLAB_ATTACK_PORT (50052),
 * ADVLAB_DASHBOARD_PORT (3000), ADVLAB_*_HOST (127.0.0.1), ADVLAB_DATA_DIR
 * (./.advlab), ADVLAB_SKIP_FIRST_MODEL=1 to start without training.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { promiseClient, TrainerServiceClient } from '@advlab/contract';
import { credentials, Metadata } from '@grpc/grpc-js';
import { ensureFirstModel } from './lib/first-model';
import { Supervisor } from './lib/supervisor';

const root = path.resolve(__dirname, '../..');
const env = process.env;
const trainerHost = env.ADVLAB_TRAINER_HOST || '127.0.0.1';
const trainerPort = env.ADVLAB_TRAINER_PORT || '50051';
const attackHost = env.ADVLAB_ATTACK_HOST || '127.0.0.1';
const attackPort = env.ADVLAB_ATTACK_PORT || '50052';
const dashboardHost = env.ADVLAB_DASHBOARD_HOST || '127.0.0.1';
const dashboardPort = env.ADVLAB_DASHBOARD_PORT || '3000';
const dataDir = path.resolve(env.ADVLAB_DATA_DIR || path.join(process.cwd(), '.advlab'));

const tsx = (entry: string) => [process.execPath, ['--import', 'tsx', path.join(root, entry)]] as const;
const nextBin = path.join(root, 'node_modules/next/dist/bin/next');

function buildDashboard(): void {
  console.info('building the dashboard (cached by Nx when nothing changed)...');
  execFileSync(path.join(root, 'node_modules/.bin/nx'), ['run', '@advlab/dashboard:build', '--outputStyle=stream'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, NX_DAEMON: 'false', NEXT_TELEMETRY_DISABLED: '1' },
  });
}

async function main(): Promise<void> {
  try {
    buildDashboard();
  } catch {
    console.error('advlab could not start: the dashboard build failed (see above)');
    process.exit(1);
  }
  const supervisor = new Supervisor();
  let shuttingDown = false;
  const stop = (why: string, code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.info(`\n${why}: stopping all services...`);
    void supervisor.stopAll().then(() => {
      console.info('all services stopped');
      process.exit(code);
    });
  };
  process.on('SIGINT', () => stop('Ctrl-C', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));

  try {
    const [trainerCmd, trainerArgs] = tsx('apps/trainer/src/main.ts');
    const trainer = await supervisor.start({
      name: 'trainer',
      command: trainerCmd,
      args: [...trainerArgs],
      env: { ADVLAB_TRAINER_HOST: trainerHost, ADVLAB_TRAINER_PORT: trainerPort, ADVLAB_DATA_DIR: dataDir },
      ready: /trainer listening on (\S+)/,
    });
    const [attackCmd, attackArgs] = tsx('apps/attack-server/src/main.ts');
    const attack = await supervisor.start({
      name: 'attack-server',
      command: attackCmd,
      args: [...attackArgs],
      env: { ADVLAB_ATTACK_HOST: attackHost, ADVLAB_ATTACK_PORT: attackPort, ADVLAB_DATA_DIR: dataDir },
      ready: /attack-server listening on (\S+)/,
    });
    const dashboardUrl = `http://${dashboardHost}:${dashboardPort}/`;
    await supervisor.start({
      name: 'dashboard',
      command: process.execPath,
      args: [nextBin, 'start', '-H', dashboardHost, '-p', dashboardPort],
      cwd: path.join(root, 'apps/dashboard'),
      env: {
        NEXT_TELEMETRY_DISABLED: '1',
        ADVLAB_TRAINER_ADDR: trainer.match?.[1],
        ADVLAB_ATTACK_ADDR: attack.match?.[1],
      },
      ready: async () => (await fetch(dashboardUrl)).ok,
    });
    const backend = await trainerBackend(trainer.match?.[1] as string);
    console.info(
      [
        '',
        'advlab is up:',
        `  trainer (gRPC)        ${trainer.match?.[1]}`,
        `  tensor backend        ${backend}`,
        `  attack server (gRPC)  ${attack.match?.[1]}`,
        `  dashboard             ${dashboardUrl}`,
        `  data                  ${dataDir}`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    if (env.ADVLAB_SKIP_FIRST_MODEL !== '1') {
      const first = await ensureFirstModel(trainer.match?.[1] as string, (line) => console.info(`first-model  | ${line}`));
      if (first.skipped) console.info(`first-model  | skipped: ${first.skipped}`);
    }
    const exit = await supervisor.firstExit();
    stop(`${exit.name} exited (${exit.code})`, 1);
  } catch (err) {
    console.error(`advlab could not start: ${err instanceof Error ? err.message : String(err)}`);
    stop('start-up failed', 1);
  }
}

/** The trainer's tensor backend in one line (on wasm: how to get the native one). */
async function trainerBackend(address: string): Promise<string> {
  const client = new TrainerServiceClient(address, credentials.createInsecure());
  try {
    const info = await promiseClient(client).getServerInfo({}, new Metadata(), { deadline: Date.now() + 5000 });
    return info.backendDetail || info.backend;
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    client.close();
  }
}

void main();
