import { startStudyRoute } from '@advlab/dashboard-data-access';

export const dynamic = 'force-dynamic';

export async function POST(request: Request) {
  return startStudyRoute(request);
}
