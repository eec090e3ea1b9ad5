import { PlannedPage } from '../../../components/planned-page';

export const metadata = { title: 'New run' };

export default function Page() {
  return <PlannedPage href="/runs/new" />;
}
