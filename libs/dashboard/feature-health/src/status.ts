import type { ServiceStatus } from '@advlab/dashboard-data-access';
import type { BadgeTone } from '@advlab/dashboard-ui';

export interface StatusPresentation {
  label: string;
  tone: BadgeTone;
  /** One sentence for people, shown next to the technical detail. */
  hint: string;
}

export const STATUS_PRESENTATION: Readonly<Record<ServiceStatus, StatusPresentation>> = {
  SERVING: { label: 'Serving', tone: 'success', hint: 'Ready to take requests.' },
  NOT_SERVING: { label: 'Not serving', tone: 'warning', hint: 'Running, but not taking requests (starting up or shutting down).' },
  UNKNOWN: { label: 'Unknown', tone: 'neutral', hint: 'Something answered, but its health could not be determined.' },
  UNREACHABLE: { label: 'Unreachable', tone: 'danger', hint: 'Nothing answered at this address. Is the service running?' },
  RESTARTING: { label: 'Restarting', tone: 'warning', hint: 'The service stopped unexpectedly; the supervisor is starting it again.' },
  STOPPED: { label: 'Stopped', tone: 'danger', hint: 'The service kept crashing, so the supervisor stopped restarting it. See the terminal running advlab.' },
};
