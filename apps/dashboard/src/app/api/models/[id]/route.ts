import { deleteModelRoute } from '@advlab/dashboard-data-access';

export const dynamic = 'force-dynamic';

export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return deleteModelRoute(request, (await params).id);
}
