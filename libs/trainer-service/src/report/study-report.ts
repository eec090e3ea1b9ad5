/**
 * The study report: one self-contained HTML document built from a study's stored stage
 * results (GetStudy). Images are inlined as data URLs, charts are inline SVG, styles inline
 * CSS; nothing is fetched, so it reads offline and prints. The API (ExportStudyReport), the
 * CLI (`advlab report`) and the dashboard's export all get their HTML from here; sections of
 * stages not finished yet say so, so the same page fills in as the study runs.
 */
import {
  RunStatus,
  Split,
  StudyPreset,
  StudyStageKind,
  type EpochMetrics,
  type EvaluateResponse,
  type GetStudyResponse,
  type RobustnessPoint,
  type StudyStage,
} from '@advlab/contract';
import { epsLabel } from '@advlab/config';

/** The report's sections, by element id, in page order. */
export const STUDY_REPORT_SECTIONS = ['overview', 'tuning', 'variants', 'robustness', 'gallery', 'curves', 'per-class', 'confusion', 'submission'] as const;

const esc = (s: string | number) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`);
const png = (bytes: Uint8Array) => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; margin: 0 auto; max-width: 1000px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
.meta { color: #4b5563; } .pending { color: #6b7280; font-style: italic; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #e5e7eb; padding: 3px 8px; text-align: right; } th { background: #f9fafb; }
td.l, th.l { text-align: left; } tr.best td { background: #ecfdf5; font-weight: 600; }
.stages { list-style: none; padding: 0; display: flex; gap: 8px; flex-wrap: wrap; }
.stages li { border: 1px solid #d1d5db; border-radius: 12px; padding: 2px 10px; }
.stages li.done { background: #ecfdf5; border-color: #10b981; } .stages li.running { background: #eff6ff; border-color: #3b82f6; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px; }
.gallery figure { margin: 0; border: 1px solid #e5e7eb; padding: 6px; break-inside: avoid; }
.gallery img { width: 64px; height: 64px; image-rendering: pixelated; border: 1px solid #d1d5db; }
.gallery figcaption { font-size: 12px; } .flip { color: #dc2626; font-weight: 600; }
.chart { margin: 8px 0; } .legend span { margin-right: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
@media print { body { max-width: none; padding: 0; } section { break-inside: avoid-page; } }
`;

/** An inline SVG line chart of `series` (x, y) with y in [0, yMax]. */
function lineChart(series: { name: string; points: [number, number][] }[], opts: { xLabel: string; yLabel: string; yMax?: number; xFormat?: (x: number) => string }): string {
  const W = 460;
  const H = 240;
  const m = { l: 48, r: 12, t: 10, b: 36 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  if (!xs.length) return '<p class="pending">no data</p>';
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs) === x0 ? x0 + 1 : Math.max(...xs);
  const yMax = opts.yMax ?? Math.max(1e-6, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (y: number) => H - m.b - (y / yMax) * (H - m.t - m.b);
  const fx = opts.xFormat ?? ((x: number) => String(Math.round(x * 1000) / 1000));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const parts = [
    `<svg class="chart" role="img" aria-label="${esc(opts.yLabel)} by ${esc(opts.xLabel)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">`,
    ...ticks.map((t) => `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e5e7eb"/><text x="${m.l - 6}" y="${Y(t) + 4}" font-size="10" text-anchor="end">${esc(yMax <= 1 ? pct(t) : t.toFixed(2))}</text>`),
    ...xTicks.map((t) => `<text x="${X(t)}" y="${H - m.b + 14}" font-size="10" text-anchor="middle">${esc(fx(t))}</text>`),
    `<text x="${(W + m.l) / 2}" y="${H - 4}" font-size="11" text-anchor="middle">${esc(opts.xLabel)}</text>`,
    ...series.map((s, i) => {
      const c = PALETTE[i % PALETTE.length];
      const pts = s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`);
      return `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>${s.points.map(([x, y]) => `<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3" fill="${c}"/>`).join('')}`;
    }),
    '</svg>',
  ];
  const legend = `<div class="legend">${series.map((s, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(s.name)}</span>`).join('')}</div>`;
  return parts.join('') + legend;
}

/** An inline SVG bar chart, values in [0, 1]. */
function barChart(bars: { label: string; value: number; best?: boolean }[], yLabel: string): string {
  const W = Math.max(240, 70 * bars.length + 60);
  const H = 220;
  const m = { l: 48, b: 40, t: 10 };
  const bw = (W - m.l - 10) / Math.max(1, bars.length);
  const Y = (y: number) => H - m.b - y * (H - m.t - m.b);
  const body = bars
    .map((b, i) => {
      const x = m.l + i * bw + 6;
      return `<rect x="${x}" y="${Y(b.value)}" width="${bw - 12}" height="${H - m.b - Y(b.value)}" fill="${b.best ? '#10b981' : '#93c5fd'}"/><text x="${x + (bw - 12) / 2}" y="${Y(b.value) - 3}" font-size="10" text-anchor="middle">${pct(b.value)}</text><text x="${x + (bw - 12) / 2}" y="${H - m.b + 14}" font-size="10" text-anchor="middle">${esc(b.label)}</text>`;
    })
    .join('');
  const axis = [0, 0.5, 1].map((t) => `<text x="${m.l - 6}" y="${Y(t) + 4}" font-size="10" text-anchor="end">${pct(t)}</text><line x1="${m.l}" x2="${W}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e5e7eb"/>`).join('');
  return `<svg class="chart" role="img" aria-label="${esc(yLabel)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">${axis}${body}</svg>`;
}

function table(headers: string[], rows: string[][], opts: { left?: number; best?: number } = {}): string {
  const left = opts.left ?? 1;
  const th = headers.map((h, i) => `<th${i < left ? ' class="l"' : ''}>${esc(h)}</th>`).join('');
  const trs = rows.map((r, ri) => `<tr${ri === opts.best ? ' class="best"' : ''}>${r.map((c, i) => `<td${i < left ? ' class="l"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

function section(id: (typeof STUDY_REPORT_SECTIONS)[number], title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

const pending = (what: string) => `<p class="pending">${esc(what)}</p>`;
const STATUS = (s: RunStatus) => RunStatus[s].replace('RUN_STATUS_', '').toLowerCase();
const STAGE_TITLES: [StudyStageKind, string][] = [
  [StudyStageKind.STUDY_STAGE_KIND_TUNING, 'Tuning'],
  [StudyStageKind.STUDY_STAGE_KIND_VARIANTS, 'Mixup, CutMix, OVA'],
  [StudyStageKind.STUDY_STAGE_KIND_ATTACK, 'PGD-20 attack'],
  [StudyStageKind.STUDY_STAGE_KIND_ADVERSARIAL, 'Adversarial training'],
  [StudyStageKind.STUDY_STAGE_KIND_SUBMISSION, 'Submission'],
];

/** Where an evaluation ran, for people: "test split", or the validation split of a dataset without one. */
const splitText = (e: EvaluateResponse | undefined) => (e?.split === Split.SPLIT_VALIDATION ? 'validation split (the dataset has no test split)' : 'test split');

function robustOf(e: EvaluateResponse | undefined, method: 'FGSM' | 'PGD'): number | undefined {
  const r = e?.robust.find((x) => (method === 'FGSM' ? x.attack?.method === 1 : x.attack?.method === 2));
  return r?.robustAccuracy;
}

function historySeries(name: string, history: EpochMetrics[], pick: (h: EpochMetrics) => number | undefined): { name: string; points: [number, number][] } {
  return { name, points: history.flatMap((h) => (pick(h) === undefined ? [] : [[h.epoch, pick(h) as number] as [number, number]])) };
}

const curveSeries = (name: string, curve: RobustnessPoint[]) => ({ name, points: curve.map((p) => [p.epsilon, p.accuracy] as [number, number]) });

/** The report of a study as one HTML document. */
export function renderStudyReport(study: GetStudyResponse): string {
  const run = study.run;
  const stage = (k: StudyStageKind): StudyStage | undefined => study.stages.find((s) => s.kind === k);
  const tuning = stage(StudyStageKind.STUDY_STAGE_KIND_TUNING);
  const variants = stage(StudyStageKind.STUDY_STAGE_KIND_VARIANTS);
  const attack = stage(StudyStageKind.STUDY_STAGE_KIND_ATTACK);
  const adversarial = stage(StudyStageKind.STUDY_STAGE_KIND_ADVERSARIAL);
  const submission = stage(StudyStageKind.STUDY_STAGE_KIND_SUBMISSION);
  const cfg = run?.study;
  const wait = (k: StudyStageKind) => pending(study.current === k ? 'This stage is running; the section fills in when it finishes.' : 'Waiting for this stage.');

  const stageList = `<ul class="stages">${STAGE_TITLES.map(([k, t]) => {
    const s = stage(k);
    const cls = s ? 'done' : study.current === k ? 'running' : '';
    return `<li class="${cls}">${esc(t)}${s ? ` · ${s.skipped ? 'skipped' : `${s.seconds.toFixed(0)} s`}` : study.current === k ? ' · running' : ''}</li>`;
  }).join('')}</ul>`;
  const overview = section(
    'overview',
    'Overview',
    `<p class="meta">Dataset <b>${esc(study.datasetName || run?.datasetId || '')}</b>${study.datasetName ? ` (${esc(run?.datasetId ?? '')})` : ''} · status <b>${esc(run ? STATUS(run.status) : '')}</b> · preset ${cfg?.preset === StudyPreset.STUDY_PRESET_QUICK ? 'quick' : 'notebook'} · ${esc(cfg?.epochs ?? '')} epoch(s) per training, ${esc(cfg?.adversarialEpochs ?? '')} of adversarial training · ${cfg?.attackImages ? `at most ${esc(cfg.attackImages)} held-out images attacked` : 'every held-out image attacked'}${run?.backend ? ` · ${esc(run.backend)}` : ''}</p>${stageList}${run?.error ? `<p class="flip">${esc(run.error)}</p>` : ''}`,
  );

  let tuningBody = wait(StudyStageKind.STUDY_STAGE_KIND_TUNING);
  if (tuning?.tuning) {
    const t = tuning.tuning;
    const paths = Object.keys(t.trials[0]?.overrides ?? {});
    const rows = t.trials.map((tr) => [String(tr.rank), ...paths.map((p) => esc(tr.overrides[p] ?? '')), pct(tr.valAccuracy), tr.valLoss.toFixed(3), pct(tr.trainAccuracy), `${tr.seconds.toFixed(0)} s`]);
    const label = (tr: (typeof t.trials)[number]) => paths.map((p) => `${p.split('.').pop()}=${tr.overrides[p]}`).join(' ');
    tuningBody =
      table(['rank', ...paths, 'val acc', 'val loss', 'train acc', 'time'], rows, { left: 1 + paths.length, best: 0 }) +
      `<p>Best configuration: feature maps [${esc(t.model?.featureMaps.join(', ') ?? '')}], use_skip ${esc(String(t.model?.useSkip))}, learning rate ${esc(t.training?.learningRate ?? '')}.</p>` +
      barChart([...t.trials].sort((a, b) => a.index - b.index).map((tr) => ({ label: `#${tr.index + 1}`, value: tr.valAccuracy, best: tr.rank === 1 })), 'validation accuracy per trial') +
      `<p class="meta">${t.trials.map((tr) => `#${tr.index + 1}: ${esc(label(tr))}`).join(' · ')}</p>`;
  }

  let variantsBody = wait(StudyStageKind.STUDY_STAGE_KIND_VARIANTS);
  if (variants?.variants) {
    const v = variants.variants.variants;
    const plain = v[0]?.test?.accuracy ?? 0;
    const chosen = v.findIndex((x) => x.modelId === variants.variants?.chosenModelId);
    variantsBody =
      `<p class="meta">Accuracy and loss on the ${splitText(v[0]?.test)}.</p>` +
      table(
        ['model', 'val acc', 'held-out acc', 'held-out loss', 'vs plain'],
        v.map((x) => [esc(x.name), pct(x.valAccuracy), pct(x.test?.accuracy), (x.test?.loss ?? 0).toFixed(3), x.name === 'plain' ? '' : `${(x.test?.accuracy ?? 0) >= plain ? '+' : ''}${(100 * ((x.test?.accuracy ?? 0) - plain)).toFixed(1)} pt`]),
        { best: chosen },
      ) +
      `<p>Chosen for the submission (best validation accuracy): <b>${esc(v[chosen]?.name ?? '')}</b>.</p>` +
      lineChart(v.map((x) => historySeries(x.name, x.history, (h) => h.valAccuracy)), { xLabel: 'epoch', yLabel: 'validation accuracy', yMax: 1 }) +
      lineChart(v.map((x) => historySeries(x.name, x.history, (h) => h.trainLoss)), { xLabel: 'epoch', yLabel: 'training loss' });
  }

  let robustBody = pending('Waiting for the attack and adversarial training stages.');
  if (attack?.attack || adversarial?.adversarial) {
    const std = attack?.attack?.test;
    const adv = adversarial?.adversarial?.test;
    const row = (name: string, e: EvaluateResponse | undefined) => [name, e ? pct(e.accuracy) : '…', e ? pct(robustOf(e, 'FGSM')) : '…', e ? pct(robustOf(e, 'PGD')) : '…', e ? String(e.numImages) : ''];
    robustBody =
      table(['model', 'clean', 'FGSM 8/255', 'PGD-20 8/255', 'images'], [row('standard', std), row('adversarially trained (PGD-10)', adv)]) +
      `<p class="meta">On the ${splitText(std ?? adv)}.</p>` +
      (attack?.attack?.pgd?.result
        ? `<p>PGD-20 (eps 8/255, step 0.002) on the standard model: robust accuracy <b>${pct(attack.attack.pgd.result.robustAccuracy)}</b>, attack success rate ${pct(attack.attack.pgd.result.attackSuccessRate)}; sanity: within budget ${attack.attack.pgd.result.sanity?.withinBudget ? 'yes' : 'no'}, eps = 0 matches clean ${attack.attack.pgd.result.sanity?.eps0MatchesClean ? 'yes' : 'no'}.</p>`
        : '') +
      (adversarial?.adversarial
        ? lineChart(
            [
              historySeries('validation accuracy', adversarial.adversarial.history, (h) => h.valAccuracy),
              historySeries('robust validation accuracy', adversarial.adversarial.history, (h) => h.robustValAccuracy),
            ],
            { xLabel: 'epoch of adversarial training', yLabel: 'accuracy', yMax: 1 },
          )
        : pending('Adversarial training: waiting for its stage.'));
  }

  let galleryBody = wait(StudyStageKind.STUDY_STAGE_KIND_ATTACK);
  if (attack?.attack?.pgd) {
    const items = attack.attack.pgd.gallery;
    galleryBody = `<p class="meta">${items.length} test images, clean / adversarial (PGD-20, 8/255) / perturbation (amplified).</p><div class="gallery">${items
      .map(
        (g) =>
          `<figure><img alt="clean ${esc(g.index)}" src="${png(g.cleanPng)}"> <img alt="adversarial ${esc(g.index)}" src="${png(g.adversarialPng)}"> <img alt="perturbation ${esc(g.index)}" src="${png(g.perturbationPng)}"><figcaption>true <b>${esc(g.trueLabel)}</b> · clean ${esc(g.clean?.label ?? '')} ${pct(g.clean?.confidence)} · adv <span class="${g.success ? 'flip' : ''}">${esc(g.adversarial?.label ?? '')} ${pct(g.adversarial?.confidence)}</span></figcaption></figure>`,
      )
      .join('')}</div>`;
  }

  let curvesBody = wait(StudyStageKind.STUDY_STAGE_KIND_ATTACK);
  if (attack?.attack?.pgd) {
    const series = [curveSeries('standard', attack.attack.pgd.curve)];
    if (adversarial?.adversarial) series.push(curveSeries('adversarially trained', adversarial.adversarial.curve));
    curvesBody = lineChart(series, { xLabel: 'epsilon (PGD-20)', yLabel: 'accuracy', yMax: 1, xFormat: (e) => (e === 0 ? '0' : epsLabel(e)) });
  }

  const chosenVariant = variants?.variants?.variants.find((x) => x.modelId === variants.variants?.chosenModelId);
  const evaluation = chosenVariant?.test;
  let perClassBody = wait(StudyStageKind.STUDY_STAGE_KIND_VARIANTS);
  let confusionBody = wait(StudyStageKind.STUDY_STAGE_KIND_VARIANTS);
  if (evaluation) {
    perClassBody =
      `<p class="meta">The chosen model (${esc(chosenVariant?.name ?? '')}) on the ${splitText(evaluation)}, ${esc(evaluation.numImages)} images.</p>` +
      table(['class', 'accuracy', 'images'], evaluation.perClass.map((c) => [esc(c.label), pct(c.accuracy), String(c.support)])) +
      barChart(evaluation.perClass.map((c) => ({ label: c.label.slice(0, 8), value: c.accuracy })), 'per-class accuracy');
    const labels = evaluation.confusion?.labels ?? [];
    const counts = evaluation.confusion?.counts ?? [];
    const k = labels.length;
    const rowMax = labels.map((_, i) => Math.max(1, ...counts.slice(i * k, (i + 1) * k)));
    confusionBody =
      '<p class="meta">Rows: true class; columns: predicted class.</p>' +
      table(
        ['true \\ predicted', ...labels],
        labels.map((l, i) => [
          esc(l),
          ...labels.map((_, j) => {
            const n = counts[i * k + j] ?? 0;
            const a = (n / rowMax[i]) * 0.8;
            return `<span style="display:block;background:rgba(${i === j ? '16,185,129' : '239,68,68'},${a.toFixed(2)})">${n}</span>`;
          }),
        ]),
      );
  }

  let submissionBody = wait(StudyStageKind.STUDY_STAGE_KIND_SUBMISSION);
  if (submission?.skipped) submissionBody = pending(`Skipped: ${submission.skipped}.`);
  else if (submission?.submission) {
    const s = submission.submission;
    const lines = s.csv.trim().split('\n');
    submissionBody =
      `<p>${esc(s.predicted)} images of <code>${esc(s.folder)}</code> predicted${s.errors ? ` (${esc(s.errors)} unreadable)` : ''}. <a download="submission.csv" href="data:text/csv;base64,${Buffer.from(s.csv).toString('base64')}">Download submission.csv</a></p>` +
      table(lines[0].split(','), lines.slice(1, 11).map((l) => l.split(',').map(esc)), { left: 2 }) +
      (lines.length > 11 ? `<p class="meta">… and ${lines.length - 11} more rows.</p>` : '');
  }

  const title = `advlab study: ${run?.name ?? ''}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${esc(run?.name ?? 'study')}</h1><p class="meta">Study ${esc(run?.id ?? '')}${run?.createdAt ? ` · started ${esc(run.createdAt.toISOString())}` : ''}${run?.finishedAt ? ` · ended ${esc(run.finishedAt.toISOString())}` : ''}</p>`,
    overview,
    section('tuning', 'Tuning (Question 3.2)', tuningBody),
    section('variants', 'Mixup, CutMix and the one-versus-all loss (Questions 3.3 to 3.5)', variantsBody),
    section('robustness', 'Clean versus robust accuracy (Questions 3.6 and 3.7)', robustBody),
    section('gallery', 'Gallery: clean and adversarial images (Question 3.6)', galleryBody),
    section('curves', 'Robustness curves', curvesBody),
    section('per-class', 'Per-class accuracy', perClassBody),
    section('confusion', 'Confusion matrix', confusionBody),
    section('submission', 'Submission (Question 3.8)', submissionBody),
    '</body></html>',
  ].join('\n');
}
