/**
 * Imports image data into the data cache that the trainer reads.
 *
 *   tsx tools/src/import.ts folder <dir> --name animals --out .cache/data [--size 64] [--test <dir>]
 *   tsx tools/src/import.ts idx <images> <labels> --name fmnist --out .cache/data
 *       [--test-images <f> --test-labels <f>] [--classes a,b,..] [--max-per-class N] [--seed N] [--size N]
 *   tsx tools/src/import.ts bundle-fashion-mnist [--src /usr/share/datasets/fashion-mnist] [--out data/fashion-mnist-mini]
 *
 * A test set is stored next to the training set as `<name>-test`. Exit codes: 0 done,
 * 2 bad input (the message says what to fix), 1 anything else.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  BUNDLED_COUNTS,
  BUNDLED_DATASET_DIR,
  BUNDLED_FILES,
  ImageDataset,
  ImportSummary,
  SkippedFile,
  classCounts,
  importIdx,
  importImageFolder,
  isDataError,
  writeBalancedIdxSubset,
  writeDatasetCache,
} from '@advlab/data';
import { createProgressBar } from './lib/progress';

const MAX_LISTED_SKIPS = 50;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** Prints classes with counts and every skipped file (up to a limit) with its reason. */
function printSummary(title: string, classNames: readonly string[], counts: readonly number[], skipped: readonly SkippedFile[], extra = ''): void {
  const total = counts.reduce((a, b) => a + b, 0);
  console.log(`\n${title}: ${total} images, ${classNames.length} classes${extra}`);
  const width = Math.max(...classNames.map((c) => c.length));
  classNames.forEach((c, i) => console.log(`  ${c.padEnd(width)}  ${counts[i]}`));
  if (skipped.length === 0) {
    console.log('  skipped: none');
    return;
  }
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  console.log(`  skipped: ${skipped.length} (${[...byReason].map(([r, n]) => `${r} ${n}`).join(', ')})`);
  for (const s of skipped.slice(0, MAX_LISTED_SKIPS)) console.log(`    ${s.path}: ${s.reason} (${s.detail})`);
  if (skipped.length > MAX_LISTED_SKIPS) console.log(`    ... and ${skipped.length - MAX_LISTED_SKIPS} more (listed in the cache manifest)`);
}

async function importFolder(
  dir: string,
  name: string,
  out: string,
  opts: { size: number; background: 'white' | 'black'; maxPixels: number; classNames?: readonly string[] },
): Promise<ImportSummary> {
  const bar = createProgressBar(name);
  try {
    const { summary } = await importImageFolder(dir, {
      imageSize: opts.size,
      background: opts.background,
      limitInputPixels: opts.maxPixels,
      classNames: opts.classNames,
      cache: { dir: out, name },
      onProgress: (p) => bar.update(p),
    });
    bar.stop();
    const how = summary.fromCache ? 'cache up to date, nothing decoded' : `${summary.decoded} files decoded`;
    printSummary(`${name} (${summary.root})`, summary.classNames, summary.counts, summary.skipped, `, ${summary.imageSize}x${summary.imageSize}, ${how}, ${summary.seconds.toFixed(1)} s`);
    return summary;
  } finally {
    bar.stop();
  }
}

async function saveIdx(ds: ImageDataset, out: string, name: string, files: string[], settings: Record<string, string | number>): Promise<void> {
  const stats = await Promise.all(files.map((f) => fs.stat(f)));
  await writeDatasetCache({ dir: out, name }, ds, {
    kind: 'idx',
    source: files.map((f) => path.resolve(f)).join(' '),
    settings,
    files: files.map((f, i) => [path.basename(f), stats[i].size, stats[i].mtimeMs] as const),
    skipped: [],
  });
  printSummary(`${name} (${files.map((f) => path.basename(f)).join(', ')})`, ds.classNames, classCounts(ds), [], `, ${ds.height}x${ds.width}`);
}

/** Builds the command line program. */
export function buildProgram(): Command {
  const program = new Command('import').description('Import image data into the data cache.').showHelpAfterError();

  program
    .command('folder <dir>')
    .description('import an ImageFolder (one sub-folder per class)')
    .requiredOption('--name <name>', 'cache name (letters, digits, . _ -)')
    .requiredOption('--out <cacheDir>', 'cache folder')
    .option('--size <pixels>', 'side of the stored square images', positiveInt, 64)
    .option('--test <dir>', 'a separate labelled test folder with the same classes')
    .option('--background <colour>', 'colour transparent pixels are flattened onto: white or black', 'white')
    .option('--max-pixels <n>', 'refuse images with more pixels', positiveInt, 40_000_000)
    .action(async (dir: string, o: { name: string; out: string; size: number; test?: string; background: string; maxPixels: number }) => {
      if (o.background !== 'white' && o.background !== 'black') throw new InvalidArgumentError('--background must be white or black');
      const common = { size: o.size, background: o.background, maxPixels: o.maxPixels } as const;
      const train = await importFolder(dir, o.name, o.out, common);
      if (o.test) await importFolder(o.test, `${o.name}-test`, o.out, { ...common, classNames: train.classNames });
    });

  program
    .command('idx <images> <labels>')
    .description('import an IDX image/label pair (MNIST, Fashion-MNIST; .gz or raw)')
    .requiredOption('--name <name>', 'cache name (letters, digits, . _ -)')
    .requiredOption('--out <cacheDir>', 'cache folder')
    .option('--test-images <file>', 'IDX test images')
    .option('--test-labels <file>', 'IDX test labels')
    .option('--classes <names>', 'comma-separated class names for labels 0, 1, ...')
    .option('--max-per-class <n>', 'class-balanced random subset of at most n images per class', positiveInt)
    .option('--seed <n>', 'seed of the subset', integer, 1234)
    .option('--size <pixels>', 'resize to this side (default: native size)', positiveInt)
    .action(async (images: string, labels: string, o: { name: string; out: string; testImages?: string; testLabels?: string; classes?: string; maxPerClass?: number; seed: number; size?: number }) => {
      if (!o.testImages !== !o.testLabels) throw new InvalidArgumentError('--test-images and --test-labels go together');
      const idxOpts = { classNames: o.classes?.split(',').map((c) => c.trim()), maxPerClass: o.maxPerClass, seed: o.seed, imageSize: o.size };
      const settings = { imageSize: o.size ?? 0, maxPerClass: o.maxPerClass ?? 0, seed: o.seed };
      const sets: Array<[string, string, string]> = [[images, labels, o.name]];
      if (o.testImages && o.testLabels) sets.push([o.testImages, o.testLabels, `${o.name}-test`]);
      for (const [img, lab, name] of sets) {
        const bar = createProgressBar(name);
        const ds = await importIdx(img, lab, { ...idxOpts, onProgress: (p) => bar.update(p) }).finally(() => bar.stop());
        await saveIdx(ds, o.out, name, [img, lab], settings);
      }
    });

  program
    .command('bundle-fashion-mnist')
    .description('regenerate the bundled class-balanced Fashion-MNIST subset (data/fashion-mnist-mini)')
    .option('--src <dir>', 'Fashion-MNIST IDX files', '/usr/share/datasets/fashion-mnist')
    .option('--out <dir>', 'output folder', BUNDLED_DATASET_DIR)
    .option('--train-per-class <n>', 'training images per class', positiveInt, BUNDLED_COUNTS.trainPerClass)
    .option('--test-per-class <n>', 'test images per class', positiveInt, BUNDLED_COUNTS.testPerClass)
    .option('--seed <n>', 'seed of the subset', integer, 1234)
    .action(async (o: { src: string; out: string; trainPerClass: number; testPerClass: number; seed: number }) => {
      await fs.mkdir(o.out, { recursive: true });
      const f = BUNDLED_FILES;
      const at = (dir: string, file: string): string => path.join(dir, file);
      const train = await writeBalancedIdxSubset(
        { images: at(o.src, f.trainImages), labels: at(o.src, f.trainLabels) },
        { images: at(o.out, f.trainImages), labels: at(o.out, f.trainLabels) },
        o.trainPerClass,
        o.seed,
      );
      const test = await writeBalancedIdxSubset(
        { images: at(o.src, f.testImages), labels: at(o.src, f.testLabels) },
        { images: at(o.out, f.testImages), labels: at(o.out, f.testLabels) },
        o.testPerClass,
        o.seed,
      );
      let bytes = 0;
      for (const file of Object.values(f)) bytes += (await fs.stat(at(o.out, file))).size;
      console.log(`wrote ${train} training and ${test} test images to ${o.out} (${(bytes / 1e6).toFixed(2)} MB, seed ${o.seed})`);
    });

  return program;
}

/** Runs the program; bad input exits with code 2 and a message, other failures with 1. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (isDataError(e) || e instanceof InvalidArgumentError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    console.error(e);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
