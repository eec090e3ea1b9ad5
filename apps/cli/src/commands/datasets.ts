import type { CliContext } from '../context';
import { table, when } from '../format';
import { datasetJson } from '../json';
import { Output, type OutputOptions } from '../output';

/** `advlab datasets`: the bundled and imported datasets. */
export async function datasets(ctx: CliContext, opts: OutputOptions & { timeout: number }): Promise<void> {
  const out = new Output(ctx, opts);
  const { datasets } = await ctx.clients.trainerApi(opts.timeout).listDatasets({});
  out.result({ datasets: datasets.map(datasetJson) });
  if (out.machine) return;
  if (!datasets.length) return out.print('no datasets');
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  out.print(
    table(
      ['dataset', 'name', { header: 'size', align: 'right' }, { header: 'classes', align: 'right' }, { header: 'train', align: 'right' }, { header: 'test', align: 'right' }, { header: 'skipped', align: 'right' }, 'created'],
      datasets.map((d) => [
        d.id,
        d.name,
        `${d.imageSize}px`,
        d.classNames.length,
        sum(d.trainCounts),
        d.testCounts.length ? sum(d.testCounts) : '-',
        d.skipped.length,
        d.builtin ? 'bundled' : when(d.createdAt),
      ]),
    ),
  );
}
