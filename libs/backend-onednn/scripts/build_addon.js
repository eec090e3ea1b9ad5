#!/usr/bin/env node
// Builds the oneDNN addon (build/Release/advlab_onednn.node) with node-gyp. Runs as this
// package's install script, so it must never fail `npm ci`: when the compiler or oneDNN is
// missing, or the build fails, it prints one line saying what to do and exits 0 (advlab then
// uses the wasm backend). `--strict` (npm run build:addon) exits 1 instead.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const strict = process.argv.includes('--strict');
const addon = path.join(root, 'build', 'Release', 'advlab_onednn.node');
const log = path.join(root, 'build', 'build.log');
const APT = 'libdnnl-dev g++ make';

function giveUp(reason) {
  console.log(`advlab: onednn backend not built (${reason}); run \`npm run setup\` (or apt-get install ${APT}), then \`npm run build:addon -w @advlab/backend-onednn\`; the wasm backend is used meanwhile`);
  process.exit(strict ? 1 : 0);
}

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

function newestSource() {
  let newest = fs.statSync(path.join(root, 'binding.gyp')).mtimeMs;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(cc|h)$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(root, 'src', 'cc'));
  return newest;
}

function nodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    return process.env.npm_config_node_gyp || null;
  }
}

/** Node's headers ship with Debian's nodejs (and with official tarballs) under <prefix>/include/node. */
function nodeDir() {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

try {
  if (process.env.ADVLAB_SKIP_ONEDNN_BUILD === '1') giveUp('ADVLAB_SKIP_ONEDNN_BUILD=1');
  if (os.platform() !== 'linux' || os.arch() !== 'x64') giveUp(`${os.platform()}-${os.arch()} is not supported, only linux-x64`);
  if (!has('g++') || !has('make')) giveUp('no C++ compiler: g++ and make are missing');
  const headers = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/include/dnnl.hpp'];
  if (!headers.some((h) => fs.existsSync(h))) giveUp('oneDNN headers are missing: libdnnl-dev is not installed');
  if (fs.existsSync(addon) && fs.statSync(addon).mtimeMs >= newestSource() && !process.argv.includes('--force')) {
    console.log('advlab: onednn addon is up to date');
    process.exit(0);
  }
  const gyp = nodeGyp();
  if (!gyp) giveUp('node-gyp is not installed');
  const dir = nodeDir();
  const args = [gyp, 'rebuild', `--jobs=${os.availableParallelism ? os.availableParallelism() : os.cpus().length}`];
  if (dir) args.push(`--nodedir=${dir}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.writeFileSync(log, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  if (r.status !== 0 || !fs.existsSync(addon)) {
    const firstError = `${r.stderr ?? ''}`.split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.status}`;
    giveUp(`the build failed: ${firstError.trim()} (full log: ${path.relative(process.cwd(), log)})`);
  }
  console.log(`advlab: onednn addon built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (err) {
  giveUp(`unexpected error: ${err instanceof Error ? err.message : String(err)}`);
}
