import type { RunStatusView } from '@advlab/dashboard-util';
import { StatusBadge } from '@advlab/dashboard-ui';
import { RUN_STATUS_PRESENTATION } from './presentation';

export function RunStatusBadge({ status }: { status: RunStatusView }) {
  const p = RUN_STATUS_PRESENTATION[status];
  return <StatusBadge tone={p.tone} label={p.label} data-run-status={status} />;
}
