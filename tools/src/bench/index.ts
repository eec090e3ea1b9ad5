/**
 * `npm run bench`: runs every benchmark section in turn and reports throughput figures.
 *
 *   npm run bench                          readable report
 *   npm run bench -- --json                one JSON object (all sections merged) on the last line
 *   npm run bench -- --only model          run some sections (comma-separated names)
 *   npm run bench -- --iterations 8 --warmup 2 --workers 1 --no-torch
 *
 * A section is `{ name, run(opts) }` returning a flat record of figures; sections are
 * merged into one object, so their keys must not collide.
 */
import { Command } from 'commander';
import { benchAttacks } from './attacks';
import { benchData } from './data';
import { benchModel } from './model';

/** Options every section receives. */
export interface BenchOptions {
  readonly json: boolean;
  readonly warmup?: number;
  readonly iterations?: number;
  readonly workers?: number | 'auto';
  readonly noTorch: boolean;
}

/** One benchmark section. */
export interface BenchSection {
  readonly name: string;
  run(opts: BenchOptions): Promise<Record<string, unknown>>;
}

export const SECTIONS: BenchSection[] = [
  { name: 'model', run: (o) => benchModel(o) },
  { name: 'data', run: (o) => benchData({ json: o.json }) },
  { name: 'attacks', run: (o) => benchAttacks({ json: o.json, noTorch: o.noTorch }) },
];

async function main(): Promise<void> {
  const program = new Command()
    .name('bench')
    .option('--json', 'print one JSON object on the last line', false)
    .option('--only <names>', `sections to run (${SECTIONS.map((s) => s.name).join(', ')})`)
    .option('--warmup <n>', 'untimed steps per measurement', (v) => Number(v))
    .option('--iterations <n>', 'timed steps per measurement', (v) => Number(v))
    .option('--workers <n>', "training threads ('auto' or a count)", (v) => (v === 'auto' ? 'auto' : Number(v)))
    .option('--no-torch', 'skip the PyTorch reference')
    .parse();
  const o = program.opts<{ json: boolean; only?: string; warmup?: number; iterations?: number; workers?: number | 'auto'; torch: boolean }>();
  const wanted = o.only ? o.only.split(',').map((s) => s.trim()) : SECTIONS.map((s) => s.name);
  const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
  if (unknown.length) throw new Error(`unknown bench section(s): ${unknown.join(', ')}`);
  const opts: BenchOptions = { json: o.json, warmup: o.warmup, iterations: o.iterations, workers: o.workers, noTorch: !o.torch };
  const merged: Record<string, unknown> = {};
  for (const section of SECTIONS.filter((s) => wanted.includes(s.name))) {
    Object.assign(merged, await section.run(opts));
  }
  // Data must never be what training waits for: augmented batches against training throughput, same run.
  const train = (merged.train_img_s as Record<string, number> | undefined)?.['[32,64]'];
  const data = merged.augmented_img_s as number | undefined;
  if (train && data) {
    merged.data_to_train_ratio = data / train;
    if (!opts.json) console.log(`data pipeline vs [32,64] training: ${data.toFixed(0)} / ${train.toFixed(1)} img/s = ${(data / train).toFixed(0)}x`);
  }
  if (opts.json) console.log(JSON.stringify(merged));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
