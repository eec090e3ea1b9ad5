import { importDatasetRoute } from '@advlab/dashboard-data-access';

export const dynamic = 'force-dynamic';

export const POST = importDatasetRoute;
