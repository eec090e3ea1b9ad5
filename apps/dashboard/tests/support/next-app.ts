/**
 * Runs the built dashboard for integration tests: builds it when `.next` is missing or
 * older than its sources, then serves it with `next start` on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const APP_DIR = path.resolve(__dirname, '../..');
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

export async function ensureBuilt(): Promise<void> {
  const built = fs.existsSync(BUILD_ID) ? fs.statSync(BUILD_ID).mtimeMs : 0;
  if (built > Math.max(...SOURCES.map(newestMtime))) return;
  await run('npm', ['run', 'build'], process.env);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Dashboard {
  child: ChildProcess;
  url: string;
  output: () => string;
}

export async function startDashboard(env: Record<string, string>): Promise<Dashboard> {
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

export async function stopDashboard(dashboard: Dashboard | undefined): Promise<void> {
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

