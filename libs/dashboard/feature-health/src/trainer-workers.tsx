import type { ReactNode } from 'react';
import { attempt, listWorkers, type Loaded } from '@advlab/dashboard-data-access';
import type { WorkerView } from '@advlab/dashboard-util';
import { ErrorState, LoadingBlock, Skeleton } from '@advlab/dashboard-ui';
import { WorkersPanel } from './workers-panel';

export interface TrainerWorkersProps {
  /** Controls beside the heading (also under an error, so a live page keeps trying). */
  actions?: ReactNode;
  /** Where the workers come from; defaults to the trainer's ListWorkers, stopped and lost ones included. */
  load?: () => Promise<Loaded<WorkerView[]>>;
}

const defaultLoad = () => attempt(() => listWorkers({ includeStopped: true }));

/** Server component: asks the trainer for its processes now and renders the workers panel. */
export async function TrainerWorkers({ actions, load = defaultLoad }: TrainerWorkersProps) {
  const result = await load();
  if (!result.ok) return <ErrorState title="Workers could not be loaded" {...result.error} action={actions} />;
  return <WorkersPanel workers={result.data} checkedAt={new Date()} actions={actions} />;
}

/** Placeholder with the panel's shape while the trainer answers. */
export function WorkersPanelSkeleton() {
  return (
    <LoadingBlock label="Loading workers">
      <Skeleton className="h-5 w-48" />
      <Skeleton className="h-32 w-full" />
    </LoadingBlock>
  );
}
