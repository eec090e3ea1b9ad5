/**
 * `npm start`: starts the trainer, the attack server and the dashboard,
 * prints where each listens, trains a first small model on the bundled data
 * when the registry has none, and stops everything on Ctrl-C.
 *
 * A service that exits on its own is restarted with back-off; after 5 crashes within a
 * minute the supervisor gives up on it and says so. Where each service stands is written
 * to `<data dir>/supervisor.json`, which the dashboard's health page shows.
 *
 * Environment: ADVLAB_TRAINER_PORT (50051), ADVLAB_ATTACK_PORT (50052),
 * ADVLAB_DASHBOARD_PORT (3000), ADVLAB_*_HOST (127.0.0.1), ADVLAB_DATA_DIR
 * (./.advlab), ADVLAB_SKIP_FIRST_MODEL=1 to start without training,
 * ADVLAB_FIRST_MODEL_EPOCHS (3) for a quicker or longer first model.
 * `--no-build` starts the dashboard already built (`.next`) without building it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientCredentials, connectionFromEnv, promiseClient, ServerInfoServiceClient, TrainRequest } from '@advlab/contract';
import { ensureFirstModel, FIRST_MODEL_REQUEST } from './lib/first-model';
import { Supervisor, type ServiceStatus } from './lib/supervisor';

const root = path.resolve(__dirname, '../..');
const env = process.env;
const trainerHost = env.ADVLAB_TRAINER_HOST || '127.0.0.1';
const trainerPort = env.ADVLAB_TRAINER_PORT || '50051';
const attackHost = env.ADVLAB_ATTACK_HOST || '127.0.0.1';
const attackPort = env.ADVLAB_ATTACK_PORT || '50052';
const dashboardHost = env.ADVLAB_DASHBOARD_HOST || '127.0.0.1';
const dashboardPort = env.ADVLAB_DASHBOARD_PORT || '3000';
const dataDir = path.resolve(env.ADVLAB_DATA_DIR || path.join(process.cwd(), '.advlab'));
const statusFile = path.join(dataDir, 'supervisor.json');
const skipBuild = process.argv.includes('--no-build');

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

/** Writes the services' states for the dashboard, atomically (a reader never sees half a file). */
function writeStatus(services: ServiceStatus[]): void {
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${statusFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ supervisorPid: process.pid, updatedAt: new Date().toISOString(), services }, null, 2));
  fs.renameSync(tmp, statusFile);
}

/** The port in a ready line's `host:port`, to restart a service on the port it bound first. */
const portOf = (match: RegExpMatchArray | undefined) => match?.[1]?.replace(/^.*:/, '') ?? '';

async function main(): Promise<void> {
  if (!skipBuild) {
    try {
      buildDashboard();
    } catch {
      console.error('advlab could not start: the dashboard build failed (see above)');
      process.exit(1);
    }
  }
  const supervisor = new Supervisor({ onChange: writeStatus, log: (line) => console.error(`supervisor    | ${line}`) });
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
      restartEnv: (first) => ({ ADVLAB_TRAINER_PORT: portOf(first) || trainerPort }),
    });
    const [attackCmd, attackArgs] = tsx('apps/attack-server/src/main.ts');
    const attack = await supervisor.start({
      name: 'attack-server',
      command: attackCmd,
      args: [...attackArgs],
      env: { ADVLAB_ATTACK_HOST: attackHost, ADVLAB_ATTACK_PORT: attackPort, ADVLAB_DATA_DIR: dataDir },
      ready: /attack-server listening on (\S+)/,
      restartEnv: (first) => ({ ADVLAB_ATTACK_PORT: portOf(first) || attackPort }),
    });
    // The dashboard answers only to the names it knows (its Host check): the loopback names,
    // ADVLAB_DASHBOARD_HOSTS, and the address it is bound to, unless that is a wildcard.
    const wildcard = ['0.0.0.0', '::', '[::]'].includes(dashboardHost);
    const boundName = dashboardHost.includes(':') && !dashboardHost.startsWith('[') ? `[${dashboardHost}]` : dashboardHost;
    const dashboardHosts = [env.ADVLAB_DASHBOARD_HOSTS, wildcard ? '' : boundName].filter(Boolean).join(',');
    const dashboardUrl = `http://${wildcard ? '127.0.0.1' : boundName}:${dashboardPort}/`;
    await supervisor.start({
      name: 'dashboard',
      command: process.execPath,
      args: [nextBin, 'start', '-H', dashboardHost, '-p', dashboardPort],
      cwd: path.join(root, 'apps/dashboard'),
      env: {
        NEXT_TELEMETRY_DISABLED: '1',
        ADVLAB_TRAINER_ADDR: trainer.match?.[1],
        ADVLAB_ATTACK_ADDR: attack.match?.[1],
        ADVLAB_SUPERVISOR_STATUS: statusFile,
        ADVLAB_DASHBOARD_HOSTS: dashboardHosts,
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
      // A failure here is reported, not fatal: the services stay up.
      const epochs = Number(env.ADVLAB_FIRST_MODEL_EPOCHS || FIRST_MODEL_REQUEST.training?.epochs);
      const request = TrainRequest.fromPartial({ ...FIRST_MODEL_REQUEST, training: { ...FIRST_MODEL_REQUEST.training, epochs } });
      const first = await ensureFirstModel(trainer.match?.[1] as string, (line) => console.info(`first-model  | ${line}`), request).catch((err: unknown) => ({
        skipped: `the trainer did not answer (${err instanceof Error ? err.message : String(err)})`,
      }));
      if (first.skipped) console.info(`first-model  | skipped: ${first.skipped}`);
    }
    await supervisor.whenAllFailed();
    stop('every service failed', 1);
  } catch (err) {
    console.error(`advlab could not start: ${err instanceof Error ? err.message : String(err)}`);
    stop('start-up failed', 1);
  }
}

/** The trainer's tensor backend in one line (on wasm: how to get the native one). */
async function trainerBackend(address: string): Promise<string> {
  const { credentials, options } = clientCredentials(connectionFromEnv());
  const client = new ServerInfoServiceClient(address, credentials, options);
  try {
    const { info } = await promiseClient(client).getServerInfo({}, undefined, { deadline: Date.now() + 5000 });
    return info?.backend?.note || info?.backend?.name || 'unknown';
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    client.close();
  }
}

void main();
