import { fireEvent, render, screen } from '@testing-library/react';
import { Badge, Button, Card, CardContent, CardHeader, CardTitle, EmptyState, StatusBadge, buttonVariants, cn } from './index';

describe('cn', () => {
  it('joins conditional classes and lets later Tailwind utilities win', () => {
    const hidden = false;
    expect(cn('px-2 py-1', hidden && 'hidden', ['text-sm'], { 'font-bold': true, italic: hidden }, 'px-4')).toBe('py-1 text-sm font-bold px-4');
  });
});

describe('Badge and StatusBadge', () => {
  it('renders the tone as classes and data attribute', () => {
    render(<Badge tone="danger">Failed</Badge>);
    const badge = screen.getByText('Failed');
    expect(badge.dataset['tone']).toBe('danger');
    expect(badge.className).toContain('text-red-800');
  });

  it('defaults to the neutral tone', () => {
    render(<Badge>Draft</Badge>);
    expect(screen.getByText('Draft').dataset['tone']).toBe('neutral');
  });

  it('shows its label as text with a decorative dot', () => {
    render(<StatusBadge tone="success" label="Serving" />);
    const badge = screen.getByText('Serving');
    expect(badge.textContent).toBe('Serving');
    const dot = badge.querySelector('[aria-hidden="true"]');
    expect(dot?.className).toContain('bg-emerald-500');
  });
});

describe('Button', () => {
  it('is a non-submitting button by default and handles clicks', () => {
    const onClick = jest.fn();
    render(<Button onClick={onClick}>Refresh</Button>);
    const button = screen.getByRole('button', { name: 'Refresh' });
    expect(button.getAttribute('type')).toBe('button');
    fireEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('applies variants and merges class names', () => {
    render(
      <Button variant="secondary" size="sm" className="px-6" disabled>
        Later
      </Button>,
    );
    const button = screen.getByRole('button', { name: 'Later' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.className).toContain('border-neutral-200');
    expect(button.className).toContain('px-6');
    expect(button.className).not.toContain('px-3');
  });

  it('exposes its variants for links styled as buttons', () => {
    expect(buttonVariants({ variant: 'ghost', size: 'lg' })).toContain('h-10');
  });
});

describe('Card and EmptyState', () => {
  it('renders a card with a heading', () => {
    render(
      <Card data-testid="card">
        <CardHeader>
          <CardTitle>Trainer</CardTitle>
        </CardHeader>
        <CardContent>body</CardContent>
      </Card>,
    );
    expect(screen.getByRole('heading', { level: 3, name: 'Trainer' })).toBeTruthy();
    expect(screen.getByTestId('card').textContent).toBe('Trainerbody');
  });

  it('renders an empty state with title, description and action', () => {
    render(<EmptyState title="No runs yet" description="Start one." action={<Button>New run</Button>} />);
    expect(screen.getByText('No runs yet')).toBeTruthy();
    expect(screen.getByText('Start one.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'New run' })).toBeTruthy();
  });
});
