'use client';

import { useState } from 'react';
import { Button } from '@advlab/dashboard-ui';

/** Asks the trainer to stop the run at its next batch. */
export function CancelRunButton({ runId, disabled, onCancelled }: { runId: string; disabled?: boolean; onCancelled?: () => void }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancel = async () => {
    setPending(true);
    setError(null);
    try {
      const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/cancel`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(body?.error?.message ?? `Cancel failed (${response.status})`);
      } else onCancelled?.();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setPending(false);
    }
  };
  return (
    <div className="flex flex-col items-end gap-1">
      <Button variant="danger" size="sm" onClick={cancel} disabled={disabled || pending} aria-busy={pending}>
        {pending ? 'Cancelling…' : 'Cancel run'}
      </Button>
      {error ? (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
