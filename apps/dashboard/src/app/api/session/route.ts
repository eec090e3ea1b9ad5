import { createSessionRoute, deleteSessionRoute } from '@advlab/dashboard-data-access';

export const dynamic = 'force-dynamic';

export const POST = createSessionRoute;

export const DELETE = deleteSessionRoute;
