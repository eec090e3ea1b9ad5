/**
 * The built dashboard, started with `next start`, renders the health of real gRPC servers.
 * Builds once when `.next` is missing or older than the sources it is built from.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { DASHBOARD_SERVICES } from '@advlab/dashboard-data-access';

jest.setTimeout(240_000);

const APP_DIR = path.resolve(__dirname, '..');
const WORKSPACE = path.resolve(APP_DIR, '../..');
const NEXT_BIN = require.resolve('next/dist/bin/next', { paths: [APP_DIR] });
const BUILD_ID = path.join(APP_DIR, '.next', 'BUILD_ID');
const SOURCES = [
  path.join(APP_DIR, 'src'),
  path.join(APP_DIR, 'next.config.ts'),
  path.join(APP_DIR, 'postcss.config.mjs'),
  path.join(APP_DIR, 'package.json'),
  path.join(WORKSPACE, 'libs/dashboard'),
  path.join(WORKSPACE, 'libs/contract/src'),
];
const [TRAINER, ATTACK] = DASHBOARD_SERVICES;

function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) {
    if (entry === 'node_modules' || entry === '.next' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: APP_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}

async function ensureBuilt(): Promise<void> {
  const built = fs.existsSync(BUILD_ID) ? fs.statSync(BUILD_ID).mtimeMs : 0;
  if (built > Math.max(...SOURCES.map(newestMtime))) return;
  await run('npm', ['run', 'build'], process.env);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface HealthServer {
  server: grpc.Server;
  health: HealthImplementation;
  address: string;
}

async function startHealthServer(service: string, status: ServingStatus): Promise<HealthServer> {
  const server = new grpc.Server();
  const health = new HealthImplementation({ '': status, [service]: status });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, health, address: `127.0.0.1:${port}` };
}

interface Dashboard {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startDashboard(env: Record<string, string>): Promise<Dashboard> {
  const port = await freePort();
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: APP_DIR,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const dashboard = { child, url: `http://127.0.0.1:${port}`, output: () => output };
  try {
    await waitUntilServing(dashboard);
  } catch (error) {
    await stopDashboard(dashboard);
    throw error;
  }
  return dashboard;
}

async function waitUntilServing({ child, url, output }: Dashboard): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/runs`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stopDashboard(dashboard: Dashboard | undefined): Promise<void> {
  const child = dashboard?.child;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const group = -child.pid;
  process.kill(group, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
  try {
    process.kill(group, 'SIGKILL');
  } catch {
    // the whole group is gone
  }
}

/** The `data-status` of a service's card in the rendered page. */
function statusOf(html: string, id: string): string | undefined {
  return new RegExp(`data-service="${id}"[^>]*data-status="([A-Z_]+)"`).exec(html)?.[1];
}

/** The rendered HTML of `route`, without the inline scripts that carry the same content as data. */
async function page(dashboard: Dashboard | undefined, route = '/'): Promise<string> {
  if (!dashboard) throw new Error('the dashboard did not start');
  const response = await fetch(`${dashboard.url}${route}`);
  expect(response.status).toBe(200);
  return (await response.text()).replace(/<script\b[\s\S]*?<\/script>/g, '');
}

describe('dashboard health page (next build + next start + real gRPC servers)', () => {
  let trainer: HealthServer;
  let attack: HealthServer;
  let dashboard: Dashboard | undefined;

  beforeAll(async () => {
    [, trainer, attack] = await Promise.all([
      ensureBuilt(),
      startHealthServer(TRAINER.grpcService, 'SERVING'),
      startHealthServer(ATTACK.grpcService, 'NOT_SERVING'),
    ]);
    dashboard = await startDashboard({ ADVLAB_TRAINER_ADDR: trainer.address, ADVLAB_ATTACK_ADDR: attack.address });
  });

  afterAll(async () => {
    await stopDashboard(dashboard);
    trainer?.server.forceShutdown();
    attack?.server.forceShutdown();
  });

  it('renders each service with its state, address and latency', async () => {
    const html = await page(dashboard);
    expect(statusOf(html, 'trainer')).toBe('SERVING');
    expect(statusOf(html, 'attack')).toBe('NOT_SERVING');
    expect(html).toContain('>Serving<');
    expect(html).toContain('>Not serving<');
    expect(html).toContain(trainer.address);
    expect(html).toContain(attack.address);
    expect(html).toMatch(/\d+ ms/);
    expect(html).toContain('1 of 2 services serving.');
    expect(html).toContain('<title>Health · advlab</title>');
  });

  it('checks again on every request', async () => {
    trainer.health.setStatus(TRAINER.grpcService, 'NOT_SERVING');
    attack.health.setStatus(ATTACK.grpcService, 'SERVING');
    const html = await page(dashboard);
    expect(statusOf(html, 'trainer')).toBe('NOT_SERVING');
    expect(statusOf(html, 'attack')).toBe('SERVING');
  });

  it('shows a stopped service as UNREACHABLE', async () => {
    attack.server.forceShutdown();
    const html = await page(dashboard);
    expect(statusOf(html, 'attack')).toBe('UNREACHABLE');
    expect(html).toContain('>Unreachable<');
    expect(statusOf(html, 'trainer')).toBe('NOT_SERVING');
  });

  it('serves the shell and the pages not built yet without data', async () => {
    const html = await page(dashboard, '/gallery');
    expect(html).toContain('aria-label="Main"');
    expect(html).toContain('Not built yet');
    expect(html).not.toContain('data-service=');
    const missing = await fetch(`${dashboard?.url}/no-such-page`);
    expect(missing.status).toBe(404);
  });
});
