'use client';

import { useId, useState } from 'react';
import { Badge, cn } from '@advlab/dashboard-ui';
import type { GalleryItemView, PredictionView } from '@advlab/dashboard-util';
import { formatPercent } from '@advlab/dashboard-util';
import { PerturbationCanvas } from './perturbation-canvas';

const imageClass = 'aspect-square w-full rounded-md border border-neutral-200 bg-neutral-100 object-contain';

function PredictionLine({ label, prediction, correct }: { label: string; prediction: PredictionView | null; correct: boolean }) {
  return (
    <p className="flex items-baseline justify-between gap-2 text-xs">
      <span className="text-neutral-500">{label}</span>
      <span className={cn('truncate font-medium', correct ? 'text-emerald-700' : 'text-red-700')} title={prediction ? `${prediction.label} (${formatPercent(prediction.confidence)})` : undefined}>
        {prediction ? `${prediction.label} · ${formatPercent(prediction.confidence, 0)}` : '—'}
      </span>
    </p>
  );
}

function GalleryCard({ item, amplification }: { item: GalleryItemView; amplification: number }) {
  return (
    <li data-testid="gallery-item" data-success={item.success} className={cn('flex flex-col gap-2 rounded-xl border bg-white p-3 shadow-xs', item.success ? 'border-red-200' : 'border-neutral-200')}>
      <div className="flex items-center justify-between gap-2">
        <p className="truncate text-sm font-medium text-neutral-900" title={`True class: ${item.trueLabel}`}>
          {item.trueLabel}
        </p>
        {item.success ? <Badge tone="danger">Fooled</Badge> : item.clean?.classIndex === item.trueClass ? <Badge tone="success">Resisted</Badge> : <Badge>Misclassified</Badge>}
      </div>
      <div className="grid grid-cols-3 gap-1.5">
        <figure className="flex flex-col gap-1">
          <img src={item.cleanPng} alt={`Clean image #${item.index}, ${item.trueLabel}`} className={imageClass} style={{ imageRendering: 'pixelated' }} />
          <figcaption className="text-center text-[0.65rem] text-neutral-500">clean</figcaption>
        </figure>
        <figure className="flex flex-col gap-1">
          <img src={item.adversarialPng} alt={`Adversarial image #${item.index}`} className={imageClass} style={{ imageRendering: 'pixelated' }} />
          <figcaption className="text-center text-[0.65rem] text-neutral-500">adversarial</figcaption>
        </figure>
        <figure className="flex flex-col gap-1">
          <PerturbationCanvas
            cleanPng={item.cleanPng}
            adversarialPng={item.adversarialPng}
            fallbackPng={item.perturbationPng}
            amplification={amplification}
            label={`Perturbation of image #${item.index}, amplified ${amplification} times`}
            className={imageClass}
          />
          <figcaption className="text-center text-[0.65rem] text-neutral-500">δ × {amplification}</figcaption>
        </figure>
      </div>
      <div className="flex flex-col gap-0.5">
        <PredictionLine label="Clean" prediction={item.clean} correct={item.clean?.classIndex === item.trueClass} />
        <PredictionLine label="Adversarial" prediction={item.adversarial} correct={item.adversarial?.classIndex === item.trueClass} />
        <p className="text-right text-[0.65rem] text-neutral-400 tabular-nums">
          {item.brokenBy && item.brokenBy !== 'clean' ? <span data-testid="broken-by">broken by {item.brokenBy} · </span> : null}max |δ| {(item.maxPerturbation * 255).toFixed(1)}/255
        </p>
      </div>
    </li>
  );
}

/** The clean / adversarial / amplified-perturbation triples, with an amplification slider. */
export function GalleryGrid({ items }: { items: readonly GalleryItemView[] }) {
  const [amplification, setAmplification] = useState(10);
  const sliderId = useId();
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3 rounded-xl border border-neutral-200 bg-white px-4 py-3 shadow-xs">
        <label htmlFor={sliderId} className="text-sm font-medium text-neutral-800">
          Perturbation amplification
        </label>
        <input
          id={sliderId}
          type="range"
          min={1}
          max={50}
          step={1}
          value={amplification}
          onChange={(e) => setAmplification(Number(e.target.value))}
          className="w-56 accent-neutral-900"
          aria-valuetext={`${amplification} times`}
        />
        <output htmlFor={sliderId} className="w-10 text-sm text-neutral-700 tabular-nums">
          ×{amplification}
        </output>
        <span className="text-xs text-neutral-500">Mid-grey is no change; the image is 0.5 + amplification × δ, redrawn in the browser.</span>
      </div>
      <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4" aria-label={`${items.length} adversarial examples`}>
        {items.map((item) => (
          <GalleryCard key={item.index} item={item} amplification={amplification} />
        ))}
      </ul>
    </div>
  );
}
