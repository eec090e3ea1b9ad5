import { PlannedPage } from '../../components/planned-page';

export const metadata = { title: 'Datasets' };

export default function Page() {
  return <PlannedPage href="/datasets" />;
}
