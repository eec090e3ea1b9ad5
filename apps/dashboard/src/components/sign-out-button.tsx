'use client';

import { useState } from 'react';
import { Button } from '@advlab/dashboard-ui';

/** Ends the session (`DELETE /api/session`) and goes to the sign-in page. */
export function SignOutButton() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const signOut = async () => {
    setPending(true);
    setError(null);
    try {
      const response = await fetch('/api/session', { method: 'DELETE', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      if (response.ok) {
        window.location.assign('/signin');
        return;
      }
      setError(`Sign-out failed (${response.status})`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
    setPending(false);
  };
  return (
    <div className="flex flex-col items-start gap-1">
      <Button variant="ghost" size="sm" onClick={signOut} disabled={pending} aria-busy={pending}>
        {pending ? 'Signing out…' : 'Sign out'}
      </Button>
      {error ? (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
