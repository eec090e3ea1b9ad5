import { RunDetail } from '@advlab/dashboard-feature-runs';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `Run ${(await params).id}` };
}

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  return <RunDetail runId={(await params).id} />;
}
