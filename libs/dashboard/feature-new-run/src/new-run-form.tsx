'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Button, Checkbox, ErrorState, Field, Fieldset, Input, Select, cn, fieldAria } from '@advlab/dashboard-ui';
import { SWEEP_PATHS, type FieldErrors } from '@advlab/dashboard-util';
import { defaultFormValues, sweepTrialCount, toRequestBody, validateRunForm, type RunFormKind, type RunFormValues } from './form-state';

export interface DatasetOption {
  id: string;
  name: string;
  imageSize: number;
  classes: number;
}

export interface ModelOption {
  id: string;
  name: string;
  datasetId: string;
}

export interface NewRunFormProps {
  datasets: readonly DatasetOption[];
  models: readonly ModelOption[];
  initialKind?: RunFormKind;
  /** Sends the request; defaults to POST /api/runs. Resolves with the new run's id. */
  submit?: (body: Record<string, unknown>) => Promise<SubmitResult>;
}

export type SubmitResult = { ok: true; runId: string } | { ok: false; message: string; code?: string; unimplemented?: boolean; fieldErrors?: FieldErrors };

async function postRun(body: Record<string, unknown>): Promise<SubmitResult> {
  const response = await fetch('/api/runs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json().catch(() => ({}))) as { runId?: string; error?: { message?: string; code?: string; unimplemented?: boolean }; fieldErrors?: FieldErrors };
  if (response.ok && json.runId) return { ok: true, runId: json.runId };
  return {
    ok: false,
    message: json.error?.message ?? `The request failed (${response.status})`,
    code: json.error?.code,
    unimplemented: json.error?.unimplemented,
    fieldErrors: json.fieldErrors,
  };
}

const KINDS: { kind: RunFormKind; label: string; description: string }[] = [
  { kind: 'train', label: 'Training', description: 'Train a CNN on a dataset.' },
  { kind: 'adversarial', label: 'Adversarial training', description: 'Train on PGD (or FGSM with random start) examples, from scratch or from a model.' },
  { kind: 'sweep', label: 'Sweep', description: 'Train one model per point of a grid and rank them.' },
];

const fid = (key: string) => `f-${key.replace(/\./g, '-')}`;

/** The form to start a training run, an adversarial training run or a sweep, validated before it is sent. */
export function NewRunForm({ datasets, models, initialKind = 'train', submit = postRun }: NewRunFormProps) {
  const router = useRouter();
  const [values, setValues] = useState<RunFormValues>(() => defaultFormValues(initialKind, datasets[0]?.id ?? ''));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<Extract<SubmitResult, { ok: false }> | null>(null);
  const [pending, setPending] = useState(false);

  const set = <K extends keyof RunFormValues>(key: K, value: RunFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const text = (key: keyof RunFormValues & string, errorKey: string, label: ReactNode, props: { hint?: ReactNode; inputMode?: 'decimal' | 'numeric' | 'text'; placeholder?: string } = {}) => (
    <Field id={fid(errorKey)} label={label} hint={props.hint} error={errors[errorKey]}>
      <Input
        {...fieldAria(fid(errorKey), errors[errorKey], Boolean(props.hint))}
        name={errorKey}
        value={values[key] as string}
        inputMode={props.inputMode ?? 'decimal'}
        placeholder={props.placeholder}
        onChange={(e) => set(key, e.target.value as never)}
      />
    </Field>
  );

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const validation = validateRunForm(values);
    if (!validation.ok) {
      setErrors(validation.errors);
      const first = Object.keys(validation.errors)[0];
      if (first) document.getElementById(fid(first))?.focus();
      return;
    }
    setErrors({});
    setPending(true);
    try {
      const result = await submit(toRequestBody(values));
      if (result.ok) {
        router.push(`/runs/${result.runId}`);
        return;
      }
      if (result.fieldErrors) setErrors(result.fieldErrors);
      setFailure(result);
    } catch (e) {
      setFailure({ ok: false, message: e instanceof Error ? e.message : String(e) });
    } finally {
      setPending(false);
    }
  };

  const errorCount = Object.keys(errors).length;
  const trials = values.kind === 'sweep' ? sweepTrialCount(values.axes) : null;
  const modelsForDataset = models.filter((m) => !values.datasetId || m.datasetId === values.datasetId);

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-6" aria-label="New run">
      <div role="radiogroup" aria-label="Kind of run" className="grid gap-2 sm:grid-cols-3">
        {KINDS.map((k) => (
          <label
            key={k.kind}
            className={cn(
              'flex cursor-pointer flex-col gap-1 rounded-xl border bg-white p-4 shadow-xs transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-neutral-900',
              values.kind === k.kind ? 'border-neutral-900 ring-1 ring-neutral-900' : 'border-neutral-200 hover:border-neutral-400',
            )}
          >
            <span className="flex items-center gap-2 text-sm font-semibold text-neutral-900">
              <input type="radio" name="kind" value={k.kind} checked={values.kind === k.kind} onChange={() => set('kind', k.kind)} className="accent-neutral-900" />
              {k.label}
            </span>
            <span className="text-xs text-neutral-500">{k.description}</span>
          </label>
        ))}
      </div>

      {errorCount > 0 ? (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {errorCount === 1 ? 'One field needs attention.' : `${errorCount} fields need attention.`} {errors['_form'] ?? ''}
        </p>
      ) : null}

      <Fieldset legend="Data and name">
        <Field id={fid('datasetId')} label="Dataset" error={errors['datasetId']}>
          <Select {...fieldAria(fid('datasetId'), errors['datasetId'])} name="datasetId" value={values.datasetId} onChange={(e) => set('datasetId', e.target.value)}>
            {datasets.length === 0 ? <option value="">No datasets</option> : null}
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.classes} classes, {d.imageSize}px)
              </option>
            ))}
          </Select>
        </Field>
        {text('name', 'name', 'Name', { hint: 'Optional; generated from the config when empty.', inputMode: 'text' })}
      </Fieldset>

      {values.kind === 'adversarial' ? (
        <Fieldset legend="Adversarial training" description="Examples are made by the attack at every step; robust accuracy is measured on a fixed validation subset each epoch.">
          <Field id={fid('baseModelId')} label="Base model" hint="Start from a trained model, or train from scratch." error={errors['baseModelId']}>
            <Select {...fieldAria(fid('baseModelId'), errors['baseModelId'], true)} name="baseModelId" value={values.baseModelId} onChange={(e) => set('baseModelId', e.target.value)}>
              <option value="">From scratch</option>
              {modelsForDataset.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name || m.id}
                </option>
              ))}
            </Select>
          </Field>
          <Field id={fid('adversarial.method')} label="Attack" error={errors['adversarial.method']}>
            <Select {...fieldAria(fid('adversarial.method'), errors['adversarial.method'])} value={values.method} onChange={(e) => set('method', e.target.value)}>
              <option value="pgd">PGD (Madry et al.)</option>
              <option value="fgsm-rs">FGSM with random start (fast)</option>
            </Select>
          </Field>
          {text('epsilon255', 'adversarial.epsilon255', 'Epsilon (/255)', { hint: 'L∞ budget; 8 means 8/255 ≈ 0.031.' })}
          {text('steps', 'adversarial.steps', 'Steps', { inputMode: 'numeric' })}
          {text('stepSize255', 'adversarial.stepSize255', 'Step size (/255)')}
          {text('evalImages', 'adversarial.evalImages', 'Robust eval images', { inputMode: 'numeric' })}
        </Fieldset>
      ) : null}

      <Fieldset legend="Model" description={values.kind === 'adversarial' && values.baseModelId ? 'Ignored: the base model’s architecture is used.' : 'The notebook’s CNN: a stem, then one block per pair of channel counts.'}>
        {text('featureMaps', 'model.featureMaps', 'Feature maps', { hint: 'Channel counts, e.g. 8, 16 or 16, 32, 64.', inputMode: 'text' })}
        {text('dropRate', 'model.dropRate', 'Dropout')}
        <div className="flex flex-col justify-end gap-2 pb-1">
          <Checkbox label="Skip paths" checked={values.useSkip} onChange={(e) => set('useSkip', e.target.checked)} />
          <Checkbox label="Batch normalisation" checked={values.batchNorm} onChange={(e) => set('batchNorm', e.target.checked)} />
        </div>
      </Fieldset>

      <Fieldset legend="Optimiser">
        {text('epochs', 'training.epochs', 'Epochs', { inputMode: 'numeric' })}
        {text('batchSize', 'training.batchSize', 'Batch size', { inputMode: 'numeric' })}
        {text('learningRate', 'training.learningRate', 'Learning rate (Adam)')}
        <Field id={fid('training.lrSchedule')} label="Schedule" error={errors['training.lrSchedule']}>
          <Select {...fieldAria(fid('training.lrSchedule'), errors['training.lrSchedule'])} value={values.lrSchedule} onChange={(e) => set('lrSchedule', e.target.value)}>
            <option value="constant">Constant</option>
            <option value="cosine">Cosine decay</option>
          </Select>
        </Field>
        {text('validationFraction', 'training.validationFraction', 'Validation fraction')}
        {text('seed', 'training.seed', 'Seed', { inputMode: 'numeric' })}
      </Fieldset>

      <Fieldset legend="Augmentation and loss">
        <Field id={fid('training.mix')} label="Batch mixing" error={errors['training.mix']}>
          <Select
            {...fieldAria(fid('training.mix'), errors['training.mix'])}
            value={values.mix}
            onChange={(e) => {
              const mix = e.target.value;
              setValues((v) => ({ ...v, mix, mixAlpha: mix === 'cutmix' ? '1' : mix === 'mixup' ? '0.4' : v.mixAlpha }));
            }}
          >
            <option value="none">None</option>
            <option value="mixup">Mixup</option>
            <option value="cutmix">CutMix</option>
          </Select>
        </Field>
        {values.mix !== 'none' ? text('mixAlpha', 'training.mixAlpha', 'Alpha', { hint: 'λ ~ Beta(α, α).' }) : null}
        {text('colorJitter', 'training.colorJitter', 'Colour jitter', { hint: '0 disables; 0.2 is the default.' })}
        <Field id={fid('training.loss')} label="Loss" error={errors['training.loss']}>
          <Select {...fieldAria(fid('training.loss'), errors['training.loss'])} value={values.loss} onChange={(e) => set('loss', e.target.value)}>
            <option value="ce">Cross-entropy</option>
            <option value="ova">One-versus-all</option>
          </Select>
        </Field>
        <div className="flex items-end pb-1">
          <Checkbox label="Random horizontal flip" checked={values.horizontalFlip} onChange={(e) => set('horizontalFlip', e.target.checked)} />
        </div>
      </Fieldset>

      {values.kind === 'sweep' ? (
        <fieldset className="rounded-xl border border-neutral-200 bg-white p-5 shadow-xs">
          <legend className="px-1 text-sm font-semibold text-neutral-900">Sweep axes</legend>
          <p className="mb-4 text-sm text-neutral-500">
            Each axis is a config path and a JSON array of values; every combination is trained. {trials !== null ? <strong className="text-neutral-800">{trials} trial{trials === 1 ? '' : 's'}.</strong> : null}
          </p>
          {errors['axes'] ? (
            <p id={fid('axes')} tabIndex={-1} className="mb-3 text-sm text-red-700">
              {errors['axes']}
            </p>
          ) : null}
          <datalist id="sweep-paths">
            {SWEEP_PATHS.map((p) => (
              <option key={p.path} value={p.path} />
            ))}
          </datalist>
          <ol className="flex flex-col gap-3">
            {values.axes.map((axis, i) => {
              const example = SWEEP_PATHS.find((p) => p.path === axis.path)?.example;
              const update = (patch: Partial<typeof axis>) => set('axes', values.axes.map((a, j) => (j === i ? { ...a, ...patch } : a)));
              return (
                <li key={i} className="grid items-start gap-3 sm:grid-cols-[minmax(0,16rem)_minmax(0,1fr)_auto]">
                  <Field id={fid(`axes.${i}.path`)} label={`Axis ${i + 1} path`} error={errors[`axes.${i}.path`]}>
                    <Input {...fieldAria(fid(`axes.${i}.path`), errors[`axes.${i}.path`])} list="sweep-paths" value={axis.path} onChange={(e) => update({ path: e.target.value })} />
                  </Field>
                  <Field id={fid(`axes.${i}.values`)} label="Values (JSON array)" hint={example ? `e.g. ${example}` : undefined} error={errors[`axes.${i}.values`]}>
                    <Input {...fieldAria(fid(`axes.${i}.values`), errors[`axes.${i}.values`], Boolean(example))} className="font-mono" value={axis.values} onChange={(e) => update({ values: e.target.value })} />
                  </Field>
                  <Button variant="ghost" size="sm" className="sm:mt-6" disabled={values.axes.length === 1} onClick={() => set('axes', values.axes.filter((_, j) => j !== i))} aria-label={`Remove axis ${i + 1}`}>
                    Remove
                  </Button>
                </li>
              );
            })}
          </ol>
          <div className="mt-4 flex flex-wrap items-end gap-4">
            <Button variant="secondary" size="sm" onClick={() => set('axes', [...values.axes, { path: 'model.use_skip', values: '[true, false]' }])}>
              Add axis
            </Button>
            <label className="flex items-center gap-2 text-sm text-neutral-700">
              Rank by
              <Select value={values.rankBy} onChange={(e) => set('rankBy', e.target.value)} className="w-52">
                <option value="val">Validation accuracy</option>
                <option value="robust">Robust accuracy (PGD-20)</option>
              </Select>
            </label>
          </div>
        </fieldset>
      ) : null}

      {failure ? <ErrorState title="The run could not be started" message={failure.message} code={failure.code} unimplemented={failure.unimplemented} /> : null}

      <div className="flex items-center justify-end gap-3 border-t border-neutral-200 pt-5">
        <span className="text-xs text-neutral-500">The run continues on the trainer when you leave this page.</span>
        <Button type="submit" disabled={pending} aria-busy={pending}>
          {pending ? 'Starting…' : values.kind === 'sweep' ? 'Start sweep' : values.kind === 'adversarial' ? 'Start adversarial training' : 'Start training'}
        </Button>
      </div>
    </form>
  );
}
