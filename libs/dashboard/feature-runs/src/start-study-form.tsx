'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Button, Field, Fieldset, Input, Select, fieldAria } from '@advlab/dashboard-ui';
import { fieldErrors, studyRequestSchema, type FieldErrors } from '@advlab/dashboard-util';

export interface StudyDatasetOption {
  id: string;
  name: string;
}

const PRESETS = [
  { value: 'quick', label: 'Quick: two trials, one epoch each on 1000 images (minutes)' },
  { value: 'notebook', label: "Notebook: its grid of 8 configurations, 10 epochs each (hours on a CPU)" },
] as const;

/** Starts a study from a dataset, a preset and an optional test folder, then opens its page. */
export function StartStudyForm({ datasets }: { datasets: readonly StudyDatasetOption[] }) {
  const router = useRouter();
  const [values, setValues] = useState({ datasetId: datasets[0]?.id ?? '', preset: 'quick', testFolder: '', name: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const set = (key: keyof typeof values, value: string) => setValues((v) => ({ ...v, [key]: value }));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = studyRequestSchema.safeParse(values);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error));
      return;
    }
    setErrors({});
    setMessage(null);
    setPending(true);
    try {
      const response = await fetch('/api/studies', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(parsed.data) });
      const body = (await response.json().catch(() => ({}))) as { runId?: string; error?: { message?: string }; fieldErrors?: FieldErrors };
      if (response.ok && body.runId) {
        router.push(`/studies/${body.runId}`);
        return;
      }
      setErrors(body.fieldErrors ?? {});
      setMessage(body.error?.message ?? `The request failed (${response.status})`);
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    } finally {
      setPending(false);
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="mb-8 flex flex-col gap-3" aria-label="Start a study">
      <Fieldset legend="Start a study" description="Tuning, Mixup / CutMix / OVA, PGD-20 with the gallery, adversarial training and the submission, as one run.">
        <Field id="study-dataset" label="Dataset" error={errors['datasetId']}>
          <Select {...fieldAria('study-dataset', errors['datasetId'])} value={values.datasetId} onChange={(e) => set('datasetId', e.target.value)}>
            {datasets.length === 0 ? <option value="">No datasets</option> : null}
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="study-preset" label="Preset" error={errors['preset']}>
          <Select {...fieldAria('study-preset', errors['preset'])} value={values.preset} onChange={(e) => set('preset', e.target.value)}>
            {PRESETS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="study-test-folder" label="Test folder to submit" hint="Optional: a flat folder of images on the trainer's machine, inside its import roots." error={errors['testFolder']}>
          <Input {...fieldAria('study-test-folder', errors['testFolder'], true)} value={values.testFolder} onChange={(e) => set('testFolder', e.target.value)} placeholder="imports/test" />
        </Field>
        <Field id="study-name" label="Name" error={errors['name']}>
          <Input {...fieldAria('study-name', errors['name'])} value={values.name} onChange={(e) => set('name', e.target.value)} placeholder="Optional" />
        </Field>
      </Fieldset>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending || datasets.length === 0}>
          {pending ? 'Starting…' : 'Start study'}
        </Button>
        {message ? (
          <p role="alert" className="text-sm text-red-700">
            {message}
          </p>
        ) : null}
      </div>
    </form>
  );
}
