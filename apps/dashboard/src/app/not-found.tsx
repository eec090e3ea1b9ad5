import Link from 'next/link';
import { EmptyState, buttonVariants } from '@advlab/dashboard-ui';

export default function NotFound() {
  return (
    <EmptyState
      title="Page not found"
      description="There is nothing at this address."
      action={
        <Link href="/" className={buttonVariants({ variant: 'secondary' })}>
          Back to health
        </Link>
      }
    />
  );
}
