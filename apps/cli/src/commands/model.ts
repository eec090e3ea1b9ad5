import type { CliContext } from '../context';
import { modelJson } from '../json';
import { Output, type OutputOptions } from '../output';
import { modelView } from '../views';

/** `advlab model <id>`: one stored model and its latest robust evaluations. */
export async function model(ctx: CliContext, modelId: string, opts: OutputOptions & { timeout: number }): Promise<void> {
  const out = new Output(ctx, opts);
  const { model } = await ctx.clients.trainerApi(opts.timeout).getModel({ modelId });
  if (!model) throw new Error(`the service returned no model for ${modelId}`);
  out.result(modelJson(model));
  out.print(modelView(model));
}
