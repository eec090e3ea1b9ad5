import type { ServerInfo } from '@advlab/contract';
import type { CliContext } from '../context';
import { Output, type OutputOptions } from '../output';

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** `advlab info`: what each service runs on (its tensor backend), how long it has been up, its load and incidents. */
export async function info(ctx: CliContext, opts: OutputOptions & { timeout: number }): Promise<void> {
  const out = new Output(ctx, opts);
  const trainer = await ctx.clients.serverInfo('trainer', opts.timeout);
  const attack = await ctx.clients.serverInfo('attack', opts.timeout).catch(() => undefined);
  const view = (i: ServerInfo) => ({
    service: i.service,
    version: i.version,
    pid: i.pid,
    uptime_seconds: Math.round(i.uptimeSeconds),
    backend: i.backend?.name ?? '',
    backend_detail: i.backend?.note ?? '',
    rss_bytes: i.memory?.rssBytes ?? 0,
    tensors: i.memory?.tensors ?? 0,
    running_runs: i.load?.runningRuns ?? 0,
    queued_runs: i.load?.queuedRuns ?? 0,
    unhandled_rejections: i.incidents?.unhandledRejections ?? 0,
  });
  out.result({ ...view(trainer), attack_server: attack ? view(attack) : null });
  if (out.machine) return;
  out.print(`tensor backend: ${trainer.backend?.note || trainer.backend?.name}`);
  for (const i of [trainer, attack]) {
    if (!i) continue;
    out.print(
      `${i.service.padEnd(13)} v${i.version}, pid ${i.pid}, up ${Math.round(i.uptimeSeconds)} s, ${mib(i.memory?.rssBytes ?? 0)}, ${i.memory?.tensors ?? 0} tensors, ` +
        `${i.load?.runningRuns ?? 0} run(s) training, ${i.load?.queuedRuns ?? 0} queued, ${i.incidents?.unhandledRejections ?? 0} incident(s)`,
    );
  }
  if (!attack) out.print('attack-server  not reachable');
}
