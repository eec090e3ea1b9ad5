import type { CliContext } from '../context';
import { Output, type OutputOptions } from '../output';

/** `advlab info`: what the trainer computes on (its tensor backend). */
export async function info(ctx: CliContext, opts: OutputOptions & { timeout: number }): Promise<void> {
  const out = new Output(ctx, opts);
  const r = await ctx.clients.trainerApi(opts.timeout).getServerInfo({});
  out.result({ backend: r.backend, backend_detail: r.backendDetail });
  if (out.machine) return;
  out.print(`tensor backend: ${r.backendDetail || r.backend}`);
}
