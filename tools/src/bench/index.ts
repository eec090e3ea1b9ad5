/**
 * `npm run bench`: runs every benchmark section in turn and reports throughput figures.
 *
 *   npm run bench                          readable report
 *   npm run bench -- --json                one JSON object (all sections merged) on the last line
 *   npm run bench -- --only model          run some sections (comma-separated names)
 *   npm run bench -- --iterations 8 --warmup 2 --repetitions 5 --workers 1 --no-torch
 *   npm run bench -- --backends onednn,wasm --adv-images 1024
 *   npm run bench -- --only autoattack --aa-images 8   AutoAttack fast and standard beside PGD-20
 *   npm run bench -- --only scale          a 4-trial sweep with one and with two trainer workers (PostgreSQL)
 *
 * A section is `{ name, run(opts) }` returning its figures keyed by backend
 * (`{onednn: {...}, wasm: {...}, torch: {...}}`, `data` for the data pipeline); sections
 * are merged per backend into one object, so their figure names must not collide.
 */
import { Command } from 'commander';
import { BACKEND_NAMES, BackendName } from '@advlab/model';
import { benchAttacks } from './attacks';
import { benchAutoAttack, DEFAULT_AUTOATTACK_IMAGES } from './autoattack';
import { BenchOptions, mergeByBackend } from './common';
import { benchData } from './data';
import { benchModel } from './model';
import { benchScale } from './scale';

export type { BenchOptions } from './common';

/** One benchmark section. */
export interface BenchSection {
  readonly name: string;
  run(opts: BenchOptions): Promise<Record<string, unknown>>;
}

export const SECTIONS: BenchSection[] = [
  { name: 'model', run: (o) => benchModel(o) },
  { name: 'data', run: (o) => benchData(o) },
  { name: 'attacks', run: (o) => benchAttacks(o) },
  { name: 'autoattack', run: (o) => benchAutoAttack(o) },
  { name: 'scale', run: (o) => benchScale(o) },
];

async function main(): Promise<void> {
  const program = new Command()
    .name('bench')
    .option('--json', 'print one JSON object on the last line', false)
    .option('--only <names>', `sections to run (${SECTIONS.map((s) => s.name).join(', ')})`)
    .option('--warmup <n>', 'untimed steps per measurement', (v) => Number(v))
    .option('--iterations <n>', 'timed steps per measurement', (v) => Number(v))
    .option('--repetitions <n>', 'measured repetitions per figure (median, min, max)', (v) => Number(v))
    .option('--workers <n>', "training threads on wasm ('auto' or a count)", (v) => (v === 'auto' ? 'auto' : Number(v)))
    .option('--backends <names>', `tensor backends to measure (${BACKEND_NAMES.join(', ')}); default onednn,wasm`)
    .option('--adv-images <n>', 'images of the bundled set in the adversarial-training epoch (default all)', (v) => Number(v))
    .option('--aa-images <n>', `images of the AutoAttack benchmark (default ${DEFAULT_AUTOATTACK_IMAGES})`, (v) => Number(v))
    .option('--no-torch', 'skip the PyTorch reference')
    .parse();
  const o = program.opts<{ json: boolean; only?: string; warmup?: number; iterations?: number; repetitions?: number; workers?: number | 'auto'; backends?: string; advImages?: number; aaImages?: number; torch: boolean }>();
  const wanted = o.only ? o.only.split(',').map((s) => s.trim()) : SECTIONS.map((s) => s.name);
  const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
  if (unknown.length) throw new Error(`unknown bench section(s): ${unknown.join(', ')}`);
  const backends = o.backends?.split(',').map((b) => b.trim().toLowerCase());
  const unknownBackends = backends?.filter((b) => !(BACKEND_NAMES as readonly string[]).includes(b)) ?? [];
  if (unknownBackends.length) throw new Error(`unknown backend(s): ${unknownBackends.join(', ')}; use ${BACKEND_NAMES.join(', ')}`);
  const opts: BenchOptions = {
    json: o.json,
    warmup: o.warmup,
    iterations: o.iterations,
    repetitions: o.repetitions,
    workers: o.workers,
    backends: backends as BackendName[] | undefined,
    advImages: o.advImages,
    autoAttackImages: o.aaImages,
    noTorch: !o.torch,
  };
  const merged: Record<string, unknown> = {};
  for (const section of SECTIONS.filter((s) => wanted.includes(s.name))) {
    mergeByBackend(merged, await section.run(opts));
  }
  // Data must never be what training waits for: augmented batches against the fastest training throughput, same run.
  const data = (merged.data as Record<string, number> | undefined)?.augmented_img_s;
  const fastest = Object.entries(merged)
    .filter(([k]) => k !== 'torch' && k !== 'data')
    .map(([, v]) => (v as { train_img_s?: Record<string, number> }).train_img_s?.['[32,64]'] ?? 0)
    .reduce((a, b) => Math.max(a, b), 0);
  if (fastest && data) {
    (merged.data as Record<string, number>).data_to_train_ratio = Math.round(data / fastest);
    if (!opts.json) console.log(`data pipeline vs the fastest [32,64] training: ${data.toFixed(0)} / ${fastest.toFixed(1)} img/s = ${(data / fastest).toFixed(0)}x`);
  }
  merged.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
  if (opts.json) console.log(JSON.stringify(merged));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
