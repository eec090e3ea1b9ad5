import { cancelRunRoute } from '@advlab/dashboard-data-access';

export const dynamic = 'force-dynamic';

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return cancelRunRoute(request, (await params).id);
}
