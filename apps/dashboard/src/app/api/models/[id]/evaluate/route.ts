import { evaluateModelRoute } from '@advlab/dashboard-data-access';

export const dynamic = 'force-dynamic';

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return evaluateModelRoute(request, (await params).id);
}
