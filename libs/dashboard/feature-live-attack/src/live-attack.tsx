'use client';

import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react';
import { LineChart, ProbabilityBars } from '@advlab/dashboard-charts';
import { Badge, Button, ErrorState, Field, Input, Select, StatusBadge, cn, fieldAria } from '@advlab/dashboard-ui';
import { FORM_DEFAULTS, MAX_UPLOAD_BYTES, fieldErrors, liveAttackRequestSchema, readSSE, type AttackFrameView, type FieldErrors } from '@advlab/dashboard-util';
import { attackReducer, initialAttackState } from './attack-state';

export interface LiveModelOption {
  id: string;
  name: string;
  datasetId: string;
  classNames: string[];
  testImages: number;
}

/** What the live attack needs of a `fetch` response. */
export type StreamResponse = Pick<Response, 'ok' | 'status' | 'body' | 'json'>;

export type AttackStreamer = (body: unknown, signal: AbortSignal) => Promise<StreamResponse>;

const postStream: AttackStreamer = (body, signal) => fetch('/api/attack/stream', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });

function readFileBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read'));
    reader.readAsDataURL(file);
  });
}

const pixelated = { imageRendering: 'pixelated' as const };

function FrameImage({ src, alt, caption }: { src: string | undefined; alt: string; caption: string }) {
  return (
    <figure className="flex flex-col gap-1.5">
      <div className="aspect-square w-full overflow-hidden rounded-lg border border-neutral-200 bg-neutral-100">
        {src ? <img src={src} alt={alt} className="size-full object-contain" style={pixelated} /> : null}
      </div>
      <figcaption className="text-center text-xs text-neutral-500">{caption}</figcaption>
    </figure>
  );
}

/** Top-k bars of a frame, the true class highlighted. */
export function topKItems(frame: AttackFrameView) {
  return (frame.prediction?.topK ?? []).map((p) => ({ label: p.label, probability: p.probability, highlight: p.classIndex === frame.trueClass ? ('true' as const) : undefined }));
}

/** Pick a model and an image, start PGD, and watch the frames arrive as the attack computes them. */
export function LiveAttack({ models, initialModelId, stream = postStream }: { models: readonly LiveModelOption[]; initialModelId?: string; stream?: AttackStreamer }) {
  const [modelId, setModelId] = useState(initialModelId && models.some((m) => m.id === initialModelId) ? initialModelId : (models[0]?.id ?? ''));
  const [sourceType, setSourceType] = useState<'dataset' | 'upload'>('dataset');
  const [index, setIndex] = useState('0');
  const [upload, setUpload] = useState<{ name: string; base64: string; preview: string } | null>(null);
  const [settings, setSettings] = useState({ method: 'pgd', epsilon255: FORM_DEFAULTS.epsilon255, steps: FORM_DEFAULTS.evaluationSteps, stepSize255: FORM_DEFAULTS.stepSize255, topK: '5' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [state, dispatch] = useReducer(attackReducer, initialAttackState);
  const abort = useRef<AbortController | null>(null);
  const model = models.find((m) => m.id === modelId);

  useEffect(() => () => abort.current?.abort(), []);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    const body = {
      modelId,
      ...settings,
      source: sourceType === 'dataset' ? { type: 'dataset', datasetId: model?.datasetId ?? '', index } : { type: 'upload', name: upload?.name ?? 'upload', base64: upload?.base64 ?? '' },
    };
    const parsed = liveAttackRequestSchema.safeParse(body);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error));
      return;
    }
    if (sourceType === 'dataset' && model && model.testImages > 0 && Number(index) >= model.testImages) {
      setErrors({ 'source.index': `The test split has ${model.testImages} images; choose 0 to ${model.testImages - 1}` });
      return;
    }
    setErrors({});
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    dispatch({ type: 'start' });
    try {
      const response = await stream(body, controller.signal);
      if (!response.ok || !response.body) {
        const json = (await response.json().catch(() => ({}))) as { error?: { message?: string; code?: string; unimplemented?: boolean }; fieldErrors?: FieldErrors };
        if (json.fieldErrors) setErrors(json.fieldErrors);
        dispatch({ type: 'error', message: json.error?.message ?? `The attack could not start (${response.status})`, code: json.error?.code, unimplemented: json.error?.unimplemented });
        return;
      }
      for await (const message of readSSE(response.body, controller.signal)) {
        if (message.event === 'frame') dispatch({ type: 'frame', frame: JSON.parse(message.data) as AttackFrameView });
        else if (message.event === 'stream-error') {
          const e = JSON.parse(message.data) as { message: string; code?: string; unimplemented?: boolean };
          dispatch({ type: 'error', message: e.message, code: e.code, unimplemented: e.unimplemented });
          return;
        }
      }
      dispatch({ type: controller.signal.aborted ? 'stop' : 'end' });
    } catch (e) {
      if (controller.signal.aborted) dispatch({ type: 'stop' });
      else dispatch({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  };

  const stop = () => {
    abort.current?.abort();
    dispatch({ type: 'stop' });
  };

  const latest = state.latest;
  const running = state.status === 'running';
  const topK = Number(settings.topK) || 5;

  return (
    <div className="flex flex-col gap-6">
      <form onSubmit={start} noValidate aria-label="Attack settings" className="flex flex-col gap-4 rounded-xl border border-neutral-200 bg-white p-5 shadow-xs">
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-[minmax(0,2fr)_repeat(5,minmax(0,1fr))]">
          <Field id="la-model" label="Model" error={errors['modelId']}>
            <Select {...fieldAria('la-model', errors['modelId'])} value={modelId} onChange={(e) => setModelId(e.target.value)}>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name || m.id}
                </option>
              ))}
            </Select>
          </Field>
          <Field id="la-method" label="Attack">
            <Select id="la-method" value={settings.method} onChange={(e) => setSettings((s) => ({ ...s, method: e.target.value }))}>
              <option value="pgd">PGD</option>
              <option value="fgsm">FGSM</option>
            </Select>
          </Field>
          <Field id="la-eps" label="ε (/255)" error={errors['epsilon255']}>
            <Input {...fieldAria('la-eps', errors['epsilon255'])} inputMode="decimal" value={settings.epsilon255} onChange={(e) => setSettings((s) => ({ ...s, epsilon255: e.target.value }))} />
          </Field>
          <Field id="la-steps" label="Steps" error={errors['steps']}>
            <Input {...fieldAria('la-steps', errors['steps'])} inputMode="numeric" value={settings.steps} onChange={(e) => setSettings((s) => ({ ...s, steps: e.target.value }))} />
          </Field>
          <Field id="la-step" label="Step (/255)" error={errors['stepSize255']}>
            <Input {...fieldAria('la-step', errors['stepSize255'])} inputMode="decimal" value={settings.stepSize255} onChange={(e) => setSettings((s) => ({ ...s, stepSize255: e.target.value }))} />
          </Field>
          <Field id="la-topk" label="Top-k" error={errors['topK']}>
            <Input {...fieldAria('la-topk', errors['topK'])} inputMode="numeric" value={settings.topK} onChange={(e) => setSettings((s) => ({ ...s, topK: e.target.value }))} />
          </Field>
        </div>
        <div className="flex flex-wrap items-end gap-4">
          <div role="radiogroup" aria-label="Image source" className="flex gap-4 text-sm text-neutral-800">
            <label className="flex items-center gap-2">
              <input type="radio" name="source" checked={sourceType === 'dataset'} onChange={() => setSourceType('dataset')} className="accent-neutral-900" />
              Test image
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" name="source" checked={sourceType === 'upload'} onChange={() => setSourceType('upload')} className="accent-neutral-900" />
              Upload
            </label>
          </div>
          {sourceType === 'dataset' ? (
            <div className="flex items-end gap-2">
              <Field id="la-index" label={`Index${model?.testImages ? ` (0–${model.testImages - 1})` : ''}`} error={errors['source.index']} className="w-40">
                <Input {...fieldAria('la-index', errors['source.index'])} inputMode="numeric" value={index} onChange={(e) => setIndex(e.target.value)} />
              </Field>
              <Button variant="secondary" onClick={() => setIndex(String(Math.floor(Math.random() * Math.max(1, model?.testImages ?? 100))))}>
                Random
              </Button>
            </div>
          ) : (
            <Field id="la-file" label="Image file (PNG, JPEG, WebP)" error={errors['source.base64']} className="w-72">
              <Input
                {...fieldAria('la-file', errors['source.base64'])}
                type="file"
                accept="image/png,image/jpeg,image/webp,image/gif"
                onChange={async (e) => {
                  const file = e.target.files?.[0];
                  if (!file) return setUpload(null);
                  if (file.size > MAX_UPLOAD_BYTES) {
                    setErrors({ 'source.base64': 'The image is larger than 8 MiB' });
                    return;
                  }
                  const base64 = await readFileBase64(file);
                  setUpload({ name: file.name, base64, preview: `data:${file.type || 'image/png'};base64,${base64}` });
                }}
              />
            </Field>
          )}
          <div className="ml-auto flex gap-2">
            {running ? (
              <Button variant="secondary" onClick={stop}>
                Stop
              </Button>
            ) : null}
            <Button type="submit" disabled={running || !modelId}>
              {running ? 'Attacking…' : 'Start attack'}
            </Button>
          </div>
        </div>
      </form>

      {state.error ? <ErrorState title="The live attack failed" message={state.error.message} code={state.error.code} unimplemented={state.error.unimplemented} /> : null}

      <section aria-label="Attack frames" data-testid="live-attack" data-frames={state.frames} data-status={state.status} className="grid gap-6 lg:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
        <div className="flex flex-col gap-4 rounded-xl border border-neutral-200 bg-white p-4 shadow-xs">
          <div className="flex items-center justify-between gap-2">
            <p className="text-sm font-semibold text-neutral-900" aria-live="polite">
              {latest ? `Step ${latest.step} of ${latest.totalSteps}` : running ? 'Waiting for the first frame…' : 'Not started'}
            </p>
            {latest ? latest.success ? <Badge tone="danger">Fooled{state.flippedAt !== null ? ` at step ${state.flippedAt}` : ''}</Badge> : <Badge tone="success">Holding</Badge> : null}
          </div>
          <div className="grid grid-cols-3 gap-2">
            <FrameImage src={state.first?.imagePng ?? (sourceType === 'upload' ? upload?.preview : undefined)} alt="Clean image" caption="clean" />
            <FrameImage src={latest?.imagePng} alt={latest ? `Adversarial image at step ${latest.step}` : 'Adversarial image'} caption="adversarial" />
            <FrameImage src={latest?.perturbationPng} alt="Perturbation, amplified 10 times" caption="δ × 10" />
          </div>
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
            <dt className="text-neutral-500">True class</dt>
            <dd className="truncate text-neutral-900">{latest ? (model?.classNames[latest.trueClass] ?? latest.trueClass) : '—'}</dd>
            <dt className="text-neutral-500">Prediction</dt>
            <dd className={cn('truncate', latest?.success ? 'font-medium text-red-700' : 'text-neutral-900')}>{latest?.prediction ? `${latest.prediction.label} (${(latest.prediction.confidence * 100).toFixed(1)}%)` : '—'}</dd>
            <dt className="text-neutral-500">Loss</dt>
            <dd className="text-neutral-900 tabular-nums">{latest ? latest.loss.toFixed(3) : '—'}</dd>
            <dt className="text-neutral-500">max |δ|</dt>
            <dd className="text-neutral-900 tabular-nums">{latest ? `${(latest.maxPerturbation * 255).toFixed(2)}/255` : '—'}</dd>
          </dl>
          {state.status === 'done' ? <StatusBadge tone="neutral" label={`Finished: ${state.frames} frames`} /> : null}
        </div>
        <div className="flex min-w-0 flex-col gap-4">
          <div className="rounded-xl border border-neutral-200 bg-white p-4 shadow-xs">
            <p className="mb-3 text-sm font-semibold text-neutral-900">Top-{topK} probabilities</p>
            <ProbabilityBars items={latest ? topKItems(latest) : []} rows={topK} />
          </div>
          <LineChart
            title="Attack loss"
            description="The loss the attack ascends, per step"
            data={state.curve}
            xKey="step"
            xLabel="step"
            xDomain={[0, latest?.totalSteps ?? Math.max(1, Number(settings.steps) || 1)]}
            series={[{ key: 'loss', label: 'Loss', color: '#D55E00' }]}
            height={200}
            empty="Frames appear here as the attack runs"
          />
        </div>
      </section>
    </div>
  );
}
