'use client';

import { useState, type FormEvent } from 'react';
import { Button, Field, Input, fieldAria } from '@advlab/dashboard-ui';

/** The access token, sent once to `POST /api/session`; the answer sets the session cookie. */
export function SignInForm({ next }: { next: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!token.trim()) return setError('Enter the access token');
    setPending(true);
    setError(undefined);
    try {
      const response = await fetch('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
      if (response.ok) {
        window.location.assign(next);
        return;
      }
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      setError(response.status === 401 ? 'That is not the dashboard’s access token.' : (body?.error?.message ?? `Sign-in failed (${response.status})`));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
    setPending(false);
  };

  return (
    <form onSubmit={submit} aria-label="Sign in" className="flex max-w-sm flex-col gap-4 rounded-xl border border-neutral-200 bg-white p-5 shadow-xs">
      <Field id="signin-token" label="Access token" error={error} hint="The value of ADVLAB_TOKEN where the dashboard runs.">
        <Input {...fieldAria('signin-token', error, true)} type="password" name="token" autoComplete="current-password" autoFocus value={token} onChange={(e) => setToken(e.target.value)} />
      </Field>
      <div>
        <Button type="submit" disabled={pending} aria-busy={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </Button>
      </div>
    </form>
  );
}
