import type { CliContext } from '../context';
import { featureMaps, pct, table, when } from '../format';
import { modelJson } from '../json';
import { Output, type OutputOptions } from '../output';
import { collectPages } from '../paging';

export interface ModelsOptions extends OutputOptions {
  dataset?: string;
  limit: number;
  all?: boolean;
  timeout: number;
}

/** `advlab models`: stored models, newest first. */
export async function models(ctx: CliContext, opts: ModelsOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const api = ctx.clients.trainerApi(opts.timeout);
  const { items, more } = await collectPages(
    async (pageSize, pageToken) => {
      const page = await api.listModels({ pageSize, pageToken, datasetId: opts.dataset ?? '' });
      return { items: page.models, nextPageToken: page.nextPageToken };
    },
    { limit: opts.limit, all: opts.all },
  );
  out.result({ models: items.map(modelJson), more });
  if (out.machine) return;
  if (!items.length) return out.print('no models');
  out.print(
    table(
      ['model', 'name', 'dataset', 'architecture', { header: 'params', align: 'right' }, { header: 'val acc', align: 'right' }, { header: 'robust', align: 'right' }, { header: 'epoch', align: 'right' }, 'created'],
      items.map((m) => [
        m.id,
        m.name.length > 40 ? `${m.name.slice(0, 39)}…` : m.name,
        m.datasetId,
        featureMaps(m.config?.featureMaps),
        m.numParameters.toLocaleString('en-US'),
        pct(m.valAccuracy),
        m.robustAccuracy !== undefined ? pct(m.robustAccuracy) : '-',
        m.epoch,
        when(m.createdAt),
      ]),
    ),
  );
  if (more) out.info(`more models exist: --limit <n> or --all`);
}
