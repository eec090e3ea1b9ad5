import type { ReactNode } from 'react';

export function PageHeader({ title, description }: { title: ReactNode; description?: ReactNode }) {
  return (
    <header className="mb-8">
      <h1 className="text-2xl font-semibold tracking-tight text-neutral-900">{title}</h1>
      {description ? <p className="mt-2 max-w-2xl text-sm text-neutral-600">{description}</p> : null}
    </header>
  );
}
