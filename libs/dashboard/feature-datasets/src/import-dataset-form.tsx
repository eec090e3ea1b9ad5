'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react';
import { Badge, Button, Card, CardContent, CardDescription, CardHeader, CardTitle, ErrorState, Field, Input, fieldAria } from '@advlab/dashboard-ui';
import { DEFAULT_IMPORT_IMAGE_SIZE, fieldErrors, formatCount, importDatasetRequestSchema, readSSE, type DatasetView, type FieldErrors } from '@advlab/dashboard-util';
import { classCountRows, totals } from './dataset-stats';
import { importFraction, importReducer, initialImportState, type ImportFailure } from './import-state';

/** What the import form needs of a `fetch` response. */
export type ImportStreamResponse = Pick<Response, 'ok' | 'status' | 'body' | 'json'>;

export type ImportStreamer = (body: unknown, signal: AbortSignal) => Promise<ImportStreamResponse>;

const postImport: ImportStreamer = (body, signal) => fetch('/api/datasets/import', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });

const FIELDS = { name: 'import-name', folder: 'import-folder', imageSize: 'import-size', testFolder: 'import-test-folder' } as const;

type Values = Record<keyof typeof FIELDS, string>;

const INITIAL_VALUES: Values = { name: '', folder: '', imageSize: String(DEFAULT_IMPORT_IMAGE_SIZE), testFolder: '' };

function ImportProgressBar({ done, total, skipped }: { done: number; total: number; skipped: number }) {
  const fraction = importFraction(done, total);
  return (
    <div className="flex min-w-0 flex-1 flex-col gap-1" data-testid="import-progress" data-done={done} data-total={total}>
      <div
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={total || undefined}
        aria-valuenow={total > 0 ? done : undefined}
        aria-valuetext={total > 0 ? `${done} of ${total} files` : 'Counting files'}
        className="h-2 w-full overflow-hidden rounded-full bg-neutral-200"
      >
        <div className={total > 0 ? 'h-full bg-neutral-900 transition-[width]' : 'h-full w-1/4 animate-pulse bg-neutral-400'} style={total > 0 ? { width: `${fraction * 100}%` } : undefined} />
      </div>
      <p className="text-xs text-neutral-600 tabular-nums">
        {total > 0 ? `${formatCount(done)} of ${formatCount(total)} files` : 'Counting files…'}
        {skipped > 0 ? ` · ${formatCount(skipped)} skipped` : null}
      </p>
    </div>
  );
}

function ImportResult({ dataset }: { dataset: DatasetView }) {
  const t = totals(dataset);
  return (
    <div role="status" data-testid="import-result" className="flex flex-col gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm">
      <p className="font-medium text-emerald-900">
        Imported {dataset.name}: {dataset.classNames.length} classes, {formatCount(t.train)} training images
        {t.test > 0 ? `, ${formatCount(t.test)} test images` : ''}, {dataset.imageSize} px.{' '}
        <Link href={`/datasets?dataset=${encodeURIComponent(dataset.id)}`} className="underline underline-offset-2">
          Show it
        </Link>
      </p>
      <ul aria-label="Images per class" className="flex flex-wrap gap-x-4 gap-y-1 text-emerald-900">
        {classCountRows(dataset).map((row) => (
          <li key={row.label}>
            <span className="font-medium">{row.label}</span> <span className="tabular-nums">{formatCount(row.train)}</span>
            {t.test > 0 ? <span className="text-emerald-700 tabular-nums"> / {formatCount(row.test)} test</span> : null}
          </li>
        ))}
      </ul>
      {dataset.skipped.length === 0 ? (
        <p className="text-emerald-800">No files were skipped.</p>
      ) : (
        <div>
          <p className="mb-1 font-medium text-neutral-800">
            {dataset.skipped.length} file{dataset.skipped.length === 1 ? '' : 's'} skipped
          </p>
          <ul aria-label="Skipped files" className="flex max-h-40 flex-col gap-1 overflow-y-auto text-xs">
            {dataset.skipped.map((s) => (
              <li key={s.path} className="flex justify-between gap-2">
                <span className="truncate font-mono text-neutral-700" title={s.path}>
                  {s.path}
                </span>
                <Badge tone="warning">{s.reason}</Badge>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** An ImageFolder on the trainer's machine imported as a dataset, with live progress. */
export function ImportDatasetForm({ stream = postImport }: { stream?: ImportStreamer }) {
  const router = useRouter();
  const [values, setValues] = useState<Values>(INITIAL_VALUES);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [state, dispatch] = useReducer(importReducer, initialImportState);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  const set = (key: keyof Values) => (event: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: event.target.value }));

  const fail = (error: ImportFailure) => dispatch({ type: 'error', error });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = importDatasetRequestSchema.safeParse(values);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error));
      return;
    }
    setErrors({});
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    dispatch({ type: 'start' });
    try {
      const response = await stream(parsed.data, controller.signal);
      if (!response.ok || !response.body) {
        const json = (await response.json().catch(() => ({}))) as { error?: ImportFailure; fieldErrors?: FieldErrors };
        if (json.fieldErrors) setErrors(json.fieldErrors);
        fail({ ...json.error, message: json.error?.message ?? `The import could not start (${response.status})` });
        return;
      }
      for await (const message of readSSE(response.body, controller.signal)) {
        if (message.event === 'progress') dispatch({ type: 'progress', ...(JSON.parse(message.data) as { done: number; total: number; skipped: number }) });
        else if (message.event === 'dataset') {
          dispatch({ type: 'dataset', dataset: JSON.parse(message.data) as DatasetView });
          router.refresh();
          return;
        } else if (message.event === 'stream-error') {
          fail(JSON.parse(message.data) as ImportFailure);
          return;
        }
      }
      if (controller.signal.aborted) dispatch({ type: 'cancel' });
      else fail({ message: 'The trainer ended the import without a dataset' });
    } catch (e) {
      if (controller.signal.aborted) dispatch({ type: 'cancel' });
      else fail({ message: e instanceof Error ? e.message : String(e) });
    }
  };

  const cancel = () => {
    abort.current?.abort();
    dispatch({ type: 'cancel' });
  };

  const importing = state.status === 'importing';

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Import an image folder</CardTitle>
          <CardDescription>A folder on the trainer’s machine with one sub-folder of images per class (ImageFolder layout).</CardDescription>
        </div>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <form onSubmit={submit} noValidate aria-label="Import an image folder" data-testid="import-form" data-status={state.status} className="flex flex-col gap-4">
          <fieldset disabled={importing} className="grid gap-4 sm:grid-cols-2 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)_minmax(0,1fr)_minmax(0,3fr)]">
            <Field id={FIELDS.name} label="Name" hint="Letters, digits, . _ - (up to 64)" error={errors['name']}>
              <Input {...fieldAria(FIELDS.name, errors['name'], true)} value={values.name} onChange={set('name')} autoComplete="off" spellCheck={false} />
            </Field>
            <Field id={FIELDS.folder} label="Folder path" hint="Absolute path on the trainer’s machine" error={errors['folder']}>
              <Input {...fieldAria(FIELDS.folder, errors['folder'], true)} value={values.folder} onChange={set('folder')} placeholder="/data/flowers" autoComplete="off" spellCheck={false} className="font-mono" />
            </Field>
            <Field id={FIELDS.imageSize} label="Image size" hint="Pixels, 8 to 512" error={errors['imageSize']}>
              <Input {...fieldAria(FIELDS.imageSize, errors['imageSize'], true)} value={values.imageSize} onChange={set('imageSize')} inputMode="numeric" />
            </Field>
            <Field id={FIELDS.testFolder} label="Test folder (optional)" hint="Labelled test images, same classes" error={errors['testFolder']}>
              <Input {...fieldAria(FIELDS.testFolder, errors['testFolder'], true)} value={values.testFolder} onChange={set('testFolder')} placeholder="/data/flowers-test" autoComplete="off" spellCheck={false} className="font-mono" />
            </Field>
          </fieldset>
          <div className="flex min-h-9 flex-wrap items-center justify-end gap-3">
            <div aria-live="polite" className="flex min-w-0 flex-1 items-center">
              {state.status === 'importing' ? <ImportProgressBar done={state.done} total={state.total} skipped={state.skipped} /> : null}
              {state.status === 'cancelled' ? <p className="text-sm text-neutral-600">Import cancelled.</p> : null}
            </div>
            {importing ? (
              <Button variant="secondary" onClick={cancel}>
                Cancel
              </Button>
            ) : null}
            <Button type="submit" disabled={importing} className="min-w-28">
              {importing ? 'Importing…' : 'Import'}
            </Button>
          </div>
        </form>
        {state.status === 'done' ? <ImportResult dataset={state.dataset} /> : null}
        {state.status === 'error' ? <ErrorState title="The folder could not be imported" {...state.error} /> : null}
      </CardContent>
    </Card>
  );
}
