import { AttackMethod, AttackRequest, type Split } from '@advlab/contract';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CliContext } from '../context';
import { epsLabel, pct, table } from '../format';
import { robustJson } from '../json';
import { attackConfigFrom, type AttackFlags } from '../options';
import { Output, type OutputOptions } from '../output';
import { cascadeLines, robustTable } from '../views';

export interface AttackOptions extends OutputOptions, AttackFlags {
  dataset?: string;
  split?: Split;
  maxImages?: number;
  seed?: number;
  gallery?: number;
  amplification?: number;
  out?: string;
  galleryDir?: string;
  curve?: number[];
  timeout: number;
}

/** `advlab attack <model>`: robust accuracy under one attack, an optional eps curve, and the gallery (contact sheet PNG with --out). */
export async function attack(ctx: CliContext, modelId: string, opts: AttackOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const request = AttackRequest.fromPartial({
    modelId,
    datasetId: opts.dataset ?? '',
    split: opts.split ?? 0,
    attack: attackConfigFrom(opts),
    maxImages: opts.maxImages ?? 0,
    gallerySize: opts.gallery,
    seed: opts.seed ?? 0,
    amplification: opts.amplification,
    curveEpsilons: opts.curve ?? [],
    contactSheet: opts.out !== undefined,
  });
  out.info(`attacking ${modelId}...`);
  const res = await ctx.clients.trainerApi(opts.timeout).attack(request);

  let sheet: string | null = null;
  if (opts.out !== undefined && res.contactSheetPng.length) {
    sheet = path.resolve(ctx.cwd, opts.out);
    await fs.writeFile(sheet, res.contactSheetPng);
  }
  let galleryDir: string | null = null;
  if (opts.galleryDir !== undefined && res.gallery.length) {
    galleryDir = path.resolve(ctx.cwd, opts.galleryDir);
    await fs.mkdir(galleryDir, { recursive: true });
    for (const [i, g] of res.gallery.entries()) {
      const stem = path.join(galleryDir, `${String(i).padStart(2, '0')}-${g.index}`);
      await fs.writeFile(`${stem}-clean.png`, g.cleanPng);
      await fs.writeFile(`${stem}-adversarial.png`, g.adversarialPng);
      await fs.writeFile(`${stem}-perturbation.png`, g.perturbationPng);
    }
  }

  out.result({
    modelId,
    result: res.result ? robustJson(res.result) : null,
    curve: res.curve.map((p) => ({ epsilon: p.epsilon, epsilonLabel: epsLabel(p.epsilon), accuracy: p.accuracy })),
    gallery: res.gallery.map((g) => ({
      index: g.index,
      trueClass: g.trueClass,
      trueLabel: g.trueLabel,
      clean: { label: g.clean?.label ?? '', confidence: g.clean?.confidence ?? 0 },
      adversarial: { label: g.adversarial?.label ?? '', confidence: g.adversarial?.confidence ?? 0 },
      maxPerturbation: g.maxPerturbation,
      success: g.success,
      brokenBy: g.brokenBy || null,
    })),
    contactSheet: sheet,
    galleryDir,
  });
  if (out.machine) return;
  if (res.result) out.print(robustTable([res.result]));
  const cascade = cascadeLines(res.result ? [res.result] : []);
  if (cascade.length) out.print(cascade.join('\n'));
  if (res.curve.length) out.print(table([{ header: 'eps', align: 'right' }, { header: 'accuracy', align: 'right' }], res.curve.map((p) => [epsLabel(p.epsilon), pct(p.accuracy)])));
  if (res.gallery.length) {
    const brokenBy = res.result?.attack?.method === AttackMethod.ATTACK_METHOD_AUTOATTACK;
    out.print(
      table(
        [{ header: 'image', align: 'right' }, 'true', 'clean', 'adversarial', { header: 'max |delta|', align: 'right' }, 'flipped', ...(brokenBy ? ['broken by'] : [])],
        res.gallery.map((g) => [
          g.index,
          g.trueLabel,
          `${g.clean?.label ?? '-'} ${pct(g.clean?.confidence)}`,
          `${g.adversarial?.label ?? '-'} ${pct(g.adversarial?.confidence)}`,
          epsLabel(g.maxPerturbation),
          g.success ? 'yes' : '',
          ...(brokenBy ? [g.brokenBy || '-'] : []),
        ]),
      ),
    );
  }
  if (sheet) out.print(`contact sheet written to ${sheet}`);
  if (galleryDir) out.print(`gallery images written to ${galleryDir}`);
}
