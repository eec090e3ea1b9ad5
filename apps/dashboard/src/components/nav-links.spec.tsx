/** @jest-environment jsdom */
import { render, screen } from '@testing-library/react';
import { NAV_ITEMS } from '../navigation';
import { NavLinks } from './nav-links';

let pathname = '/';
jest.mock('next/navigation', () => ({ usePathname: () => pathname }));

describe('NavLinks', () => {
  it('renders every section as a link in a labelled nav', () => {
    render(<NavLinks items={NAV_ITEMS} />);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = Array.from(nav.querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual(NAV_ITEMS.map((i) => i.href));
  });

  it('marks the current page', () => {
    pathname = '/runs/new';
    render(<NavLinks items={NAV_ITEMS} />);
    expect(screen.getByRole('link', { name: /^New run/ }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('link', { name: /^Runs/ }).getAttribute('aria-current')).toBeNull();
  });

  it('labels sections that are not built yet', () => {
    pathname = '/';
    render(<NavLinks items={[NAV_ITEMS[0], { href: '/later', label: 'Later', description: 'Not there yet.', available: false }]} />);
    expect(screen.getByRole('link', { name: 'Health' }).textContent).toBe('Health');
    expect(screen.getByRole('link', { name: 'Later (not built yet)' })).toBeTruthy();
  });

  it('offers every section of the dashboard', () => {
    expect(NAV_ITEMS.every((item) => item.available)).toBe(true);
  });
});
