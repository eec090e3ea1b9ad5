export { cn } from './cn';
export { Badge, StatusBadge, badgeVariants, type BadgeProps, type BadgeTone, type StatusBadgeProps } from './badge';
export { Button, buttonVariants, type ButtonProps } from './button';
export { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from './card';
export { EmptyState, type EmptyStateProps } from './empty-state';
