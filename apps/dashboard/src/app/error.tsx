'use client';

import { Button, EmptyState } from '@advlab/dashboard-ui';

export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const message = error instanceof Error ? error.message : 'An unexpected error occurred.';
  return (
    <EmptyState
      role="alert"
      title="This page could not be shown"
      description={message}
      action={
        <Button variant="secondary" onClick={() => retry()}>
          Try again
        </Button>
      }
    />
  );
}
