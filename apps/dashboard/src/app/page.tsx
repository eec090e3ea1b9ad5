import { Suspense } from 'react';
import { HealthPanelSkeleton, ServicesHealth } from '@advlab/dashboard-feature-health';
import { AutoRefresh } from '@advlab/dashboard-feature-runs';
import { PageHeader } from '../components/page-header';
import { RefreshButton } from '../components/refresh-button';
import { navItem } from '../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: { absolute: 'Health · advlab' } };

export default function HealthPage() {
  return (
    <>
      <PageHeader title="Health" description={`${navItem('/').description} Checked again on every load, and every few seconds while a service is down.`} />
      <Suspense fallback={<HealthPanelSkeleton count={2} />}>
        <ServicesHealth
          actions={(services) => (
            <>
              <AutoRefresh active={services.some((s) => s.status !== 'SERVING')} />
              <RefreshButton />
            </>
          )}
        />
      </Suspense>
    </>
  );
}
