import { RunStatus, type RunKind } from '@advlab/contract';
import type { CliContext } from '../context';
import { kindName, pct, statusName, table, when } from '../format';
import { runJson } from '../json';
import { Output, type OutputOptions } from '../output';
import { collectPages } from '../paging';

export interface RunsOptions extends OutputOptions {
  status?: RunStatus;
  kind?: RunKind;
  dataset?: string;
  trials?: boolean;
  limit: number;
  all?: boolean;
  timeout: number;
}

/** `advlab runs`: runs, newest first. */
export async function runs(ctx: CliContext, opts: RunsOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const api = ctx.clients.trainerApi(opts.timeout);
  const { items, more } = await collectPages(
    async (pageSize, pageToken) => {
      const page = await api.listRuns({ pageSize, pageToken, status: opts.status ?? 0, kind: opts.kind ?? 0, datasetId: opts.dataset ?? '', includeTrials: !!opts.trials });
      return { items: page.runs, nextPageToken: page.nextPageToken };
    },
    { limit: opts.limit, all: opts.all },
  );
  out.result({ runs: items.map(runJson), more });
  if (out.machine) return;
  if (!items.length) return out.print('no runs');
  out.print(
    table(
      ['run', 'name', 'kind', 'status', 'dataset', { header: 'epochs', align: 'right' }, { header: 'best val', align: 'right' }, 'model', 'created'],
      items.map((r) => [
        r.id,
        r.name.length > 40 ? `${r.name.slice(0, 39)}…` : r.name,
        kindName(r.kind),
        statusName(r.status),
        r.datasetId,
        r.training?.epochs ?? '-',
        r.bestValAccuracy || r.status === RunStatus.RUN_STATUS_SUCCEEDED ? pct(r.bestValAccuracy) : '-',
        r.modelId || '-',
        when(r.createdAt),
      ]),
    ),
  );
  if (more) out.info(`more runs exist: --limit <n> or --all`);
}
