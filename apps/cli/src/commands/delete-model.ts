import type { CliContext } from '../context';
import { Output, type OutputOptions } from '../output';

/** `advlab delete-model <id>`: deletes a stored model and its checkpoint. */
export async function deleteModel(ctx: CliContext, modelId: string, opts: OutputOptions & { timeout: number }): Promise<void> {
  const out = new Output(ctx, opts);
  const res = await ctx.clients.trainerApi(opts.timeout).deleteModel({ modelId });
  out.result({ modelId: res.modelId, deleted: true });
  out.print(`model ${res.modelId} deleted`);
}
