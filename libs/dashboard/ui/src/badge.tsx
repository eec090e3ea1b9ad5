import { cva, type VariantProps } from 'class-variance-authority';
import type { ComponentProps } from 'react';
import { cn } from './cn';

export const badgeVariants = cva(
  'inline-flex items-center gap-1.5 rounded-full border px-2.5 py-0.5 text-xs font-medium whitespace-nowrap',
  {
    variants: {
      tone: {
        neutral: 'border-neutral-200 bg-neutral-100 text-neutral-700',
        success: 'border-emerald-200 bg-emerald-50 text-emerald-800',
        warning: 'border-amber-200 bg-amber-50 text-amber-800',
        danger: 'border-red-200 bg-red-50 text-red-800',
        info: 'border-sky-200 bg-sky-50 text-sky-800',
      },
    },
    defaultVariants: { tone: 'neutral' },
  },
);

export type BadgeTone = NonNullable<VariantProps<typeof badgeVariants>['tone']>;
export type BadgeProps = ComponentProps<'span'> & VariantProps<typeof badgeVariants>;

/** A short label. The text carries the meaning; colour only reinforces it. */
export function Badge({ className, tone, ...props }: BadgeProps) {
  return <span data-tone={tone ?? 'neutral'} className={cn(badgeVariants({ tone }), className)} {...props} />;
}

const dotVariants = cva('size-2 shrink-0 rounded-full', {
  variants: {
    tone: {
      neutral: 'bg-neutral-400',
      success: 'bg-emerald-500',
      warning: 'bg-amber-500',
      danger: 'bg-red-500',
      info: 'bg-sky-500',
    },
  },
  defaultVariants: { tone: 'neutral' },
});

export type StatusBadgeProps = BadgeProps & {
  /** Visible status text, e.g. "Serving". */
  label: string;
};

/** A badge with a status dot and a visible label, announced as a status. */
export function StatusBadge({ label, tone, className, ...props }: StatusBadgeProps) {
  return (
    <Badge tone={tone} className={className} {...props}>
      <span aria-hidden="true" className={dotVariants({ tone })} />
      {label}
    </Badge>
  );
}
