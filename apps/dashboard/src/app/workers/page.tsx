import { Suspense } from 'react';
import { TrainerWorkers, WorkersPanelSkeleton } from '@advlab/dashboard-feature-health';
import { AutoRefresh } from '@advlab/dashboard-feature-runs';
import { PageHeader } from '../../components/page-header';
import { RefreshButton } from '../../components/refresh-button';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Workers' };

export default function WorkersPage() {
  return (
    <>
      <PageHeader title="Workers" description={navItem('/workers').description} />
      <Suspense fallback={<WorkersPanelSkeleton />}>
        <TrainerWorkers
          actions={
            <>
              <AutoRefresh active intervalMs={3000} />
              <RefreshButton />
            </>
          }
        />
      </Suspense>
    </>
  );
}
