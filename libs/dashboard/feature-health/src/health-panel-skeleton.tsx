import { Card, CardContent, CardHeader } from '@advlab/dashboard-ui';

/** Placeholder with the panel's shape, shown while the checks run, so nothing jumps. */
export function HealthPanelSkeleton({ count = 2 }: { count?: number }) {
  return (
    <section aria-busy="true" aria-label="Checking services" className="@container flex flex-col gap-5">
      <div>
        <h2 className="text-lg font-semibold text-neutral-900">Services</h2>
        <p className="mt-1 text-sm text-neutral-500">Checking services…</p>
      </div>
      <ul className="grid gap-4 @2xl:grid-cols-2">
        {Array.from({ length: count }, (_, i) => (
          <li key={i}>
            <Card className="animate-pulse">
              <CardHeader>
                <div className="flex flex-col gap-2">
                  <div className="h-4 w-24 rounded bg-neutral-200" />
                  <div className="h-3 w-48 rounded bg-neutral-100" />
                </div>
                <div className="h-5 w-20 rounded-full bg-neutral-100" />
              </CardHeader>
              <CardContent className="flex flex-col gap-2">
                <div className="h-3 w-56 rounded bg-neutral-100" />
                <div className="h-3 w-32 rounded bg-neutral-100" />
              </CardContent>
            </Card>
          </li>
        ))}
      </ul>
    </section>
  );
}
