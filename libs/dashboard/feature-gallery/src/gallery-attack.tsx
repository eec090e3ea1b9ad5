'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { DashboardError, Loaded } from '@advlab/dashboard-data-access';
import { Button, EmptyState, ErrorState, Field, Input, Select, fieldAria } from '@advlab/dashboard-ui';
import { ATTACK_METHOD_LABELS, ATTACK_METHODS, type FieldErrors, type GalleryAttackBody, type GalleryView } from '@advlab/dashboard-util';
import { galleryQueryString, parseGalleryQuery, type GalleryFormValues } from './gallery-query';
import { GalleryResults, GallerySkeleton } from './gallery-results';

export interface GalleryModelOption {
  id: string;
  label: string;
}

/** What the attack answered: the gallery, or the error with the fields the server refused. */
export type GalleryAttackResult = Loaded<GalleryView> & { fieldErrors?: FieldErrors };

/** Runs one attack on the server; a fake in tests. */
export type GalleryAttacker = (modelId: string, body: GalleryAttackBody, signal: AbortSignal) => Promise<GalleryAttackResult>;

/** `POST /api/models/:id/attack` with the settings as JSON. */
export const postGalleryAttack: GalleryAttacker = async (modelId, body, signal) => {
  const response = await fetch(`/api/models/${encodeURIComponent(modelId)}/attack`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });
  const answer = (await response.json().catch(() => null)) as { gallery?: GalleryView; error?: DashboardError; fieldErrors?: FieldErrors } | null;
  if (response.ok && answer?.gallery) return { ok: true, data: answer.gallery };
  const error: DashboardError = answer?.error ?? { code: `HTTP_${response.status}`, message: `The dashboard answered ${response.status}`, unimplemented: false, unreachable: false };
  return { ok: false, error, fieldErrors: answer?.fieldErrors };
};

type Outcome = { state: 'idle' } | { state: 'running' } | { state: 'done'; result: GalleryAttackResult };

/**
 * The gallery's settings and, once "Attack" is pressed, the attack's outcome. Opening the page
 * only fills the form (from the query string); the attack runs on the POST, never on a GET.
 */
export function GalleryAttack({ models, initial, attack = postGalleryAttack }: { models: readonly GalleryModelOption[]; initial: GalleryFormValues; attack?: GalleryAttacker }) {
  const [values, setValues] = useState<GalleryFormValues>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' });
  const inFlight = useRef<AbortController | null>(null);

  useEffect(() => () => inFlight.current?.abort(), []);

  const set = (field: keyof GalleryFormValues) => (event: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: event.target.value }));

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = parseGalleryQuery(values);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    window.history.replaceState(null, '', `?${galleryQueryString(values)}`);
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setOutcome({ state: 'running' });
    const { modelId, ...body } = parsed.request;
    const result = await attack(modelId, body, controller.signal).catch(
      (error: unknown): GalleryAttackResult => ({ ok: false, error: { code: 'UNAVAILABLE', message: error instanceof Error ? error.message : String(error), unimplemented: false, unreachable: true } }),
    );
    if (controller.signal.aborted) return;
    if (!result.ok && result.fieldErrors) setErrors(result.fieldErrors);
    setOutcome({ state: 'done', result });
  };

  const running = outcome.state === 'running';
  return (
    <div className="flex flex-col gap-6">
      <form onSubmit={submit} noValidate className="grid items-end gap-4 rounded-xl border border-neutral-200 bg-white p-5 shadow-xs sm:grid-cols-3 lg:grid-cols-[minmax(0,2fr)_repeat(5,minmax(0,1fr))]" aria-label="Gallery settings">
        <Field id="g-model" label="Model" error={errors['modelId']}>
          <Select {...fieldAria('g-model', errors['modelId'])} name="model" value={values.modelId} onChange={set('modelId')}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="g-method" label="Attack" error={errors['method']}>
          <Select {...fieldAria('g-method', errors['method'])} name="method" value={values.method} onChange={set('method')}>
            {ATTACK_METHODS.map((m) => (
              <option key={m} value={m}>
                {ATTACK_METHOD_LABELS[m]}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="g-eps" label="ε (/255)" error={errors['epsilon255']}>
          <Input {...fieldAria('g-eps', errors['epsilon255'])} name="eps" inputMode="decimal" value={values.epsilon255} onChange={set('epsilon255')} />
        </Field>
        <Field id="g-steps" label="Steps" error={errors['steps']}>
          <Input {...fieldAria('g-steps', errors['steps'])} name="steps" inputMode="numeric" value={values.steps} onChange={set('steps')} />
        </Field>
        <Field id="g-step" label="Step (/255)" error={errors['stepSize255']}>
          <Input {...fieldAria('g-step', errors['stepSize255'])} name="step" inputMode="decimal" value={values.stepSize255} onChange={set('stepSize255')} />
        </Field>
        <div className="flex items-end gap-2">
          <Field id="g-seed" label="Seed" error={errors['seed']} className="w-20">
            <Input {...fieldAria('g-seed', errors['seed'])} name="seed" inputMode="numeric" value={values.seed} onChange={set('seed')} />
          </Field>
          <Button type="submit" disabled={running} aria-busy={running}>
            {running ? 'Attacking…' : 'Attack'}
          </Button>
        </div>
      </form>
      {outcome.state === 'idle' ? (
        <EmptyState title="Choose a model and an attack" description="The gallery shows 20 test images, their adversarial versions and the perturbations, with both predictions." />
      ) : outcome.state === 'running' ? (
        <GallerySkeleton />
      ) : outcome.result.ok ? (
        <GalleryResults gallery={outcome.result.data} />
      ) : (
        <ErrorState title="The attack could not be run" {...outcome.result.error} />
      )}
    </div>
  );
}
