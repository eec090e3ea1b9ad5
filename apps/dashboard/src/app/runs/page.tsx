import { PlannedPage } from '../../components/planned-page';

export const metadata = { title: 'Runs' };

export default function Page() {
  return <PlannedPage href="/runs" />;
}
