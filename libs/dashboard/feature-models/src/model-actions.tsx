'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '@advlab/dashboard-ui';

async function call(url: string, init: RequestInit): Promise<string | null> {
  const response = await fetch(url, init);
  if (response.ok) return null;
  const body = (await response.json().catch(() => null)) as { error?: { message?: string; code?: string } } | null;
  return `${body?.error?.code ? `${body.error.code}: ` : ''}${body?.error?.message ?? `failed (${response.status})`}`;
}

/** What each action posts to `/api/models/:id/evaluate`. */
const EVALUATIONS = {
  evaluate: { epsilon255: 8, maxImages: 500 },
  autoattack: { epsilon255: 8, maxImages: 200, autoattack: true },
} as const;

/** Evaluate robustness (FGSM and PGD at 8/255, or AutoAttack) and delete, for one model row. */
export function ModelActions({ modelId, name }: { modelId: string; name: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState<'evaluate' | 'autoattack' | 'delete' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (kind: 'evaluate' | 'autoattack' | 'delete') => {
    if (kind === 'delete' && !window.confirm(`Delete model “${name}” and its checkpoint? This cannot be undone.`)) return;
    setBusy(kind);
    setError(null);
    const url = kind === 'delete' ? `/api/models/${encodeURIComponent(modelId)}` : `/api/models/${encodeURIComponent(modelId)}/evaluate`;
    const body = kind === 'delete' ? {} : EVALUATIONS[kind];
    const failure = await call(url, { method: kind === 'delete' ? 'DELETE' : 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).catch((e: unknown) =>
      e instanceof Error ? e.message : String(e),
    );
    setBusy(null);
    if (failure) setError(failure);
    else router.refresh();
  };
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-1.5">
        <Button size="sm" variant="secondary" onClick={() => run('evaluate')} disabled={busy !== null} aria-busy={busy === 'evaluate'} title="Clean, FGSM and PGD-20 accuracy at ε = 8/255 on 500 test images">
          {busy === 'evaluate' ? 'Evaluating…' : 'Evaluate'}
        </Button>
        <Button
          size="sm"
          variant="secondary"
          onClick={() => run('autoattack')}
          disabled={busy !== null}
          aria-busy={busy === 'autoattack'}
          title="AutoAttack (fast: APGD-CE, APGD-T, Square) robust accuracy at ε = 8/255 on 200 test images"
        >
          {busy === 'autoattack' ? 'Running AutoAttack…' : 'AutoAttack'}
        </Button>
        <Button size="sm" variant="ghost" onClick={() => run('delete')} disabled={busy !== null} aria-label={`Delete model ${name}`}>
          {busy === 'delete' ? 'Deleting…' : 'Delete'}
        </Button>
      </div>
      {error ? (
        <p role="alert" className="max-w-64 text-right text-xs text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
