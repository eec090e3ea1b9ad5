import { NAV_ITEMS, activeNavHref, navItem } from './navigation';

describe('navigation', () => {
  it('has unique hrefs and labels', () => {
    expect(new Set(NAV_ITEMS.map((i) => i.href)).size).toBe(NAV_ITEMS.length);
    expect(new Set(NAV_ITEMS.map((i) => i.label)).size).toBe(NAV_ITEMS.length);
  });

  it('lists the dashboard sections in order', () => {
    expect(NAV_ITEMS.map((i) => i.label)).toEqual(['Health', 'Workers', 'Runs', 'New run', 'Gallery', 'Live attack', 'Datasets', 'Models', 'Sweeps', 'Studies']);
  });

  it.each([
    ['/', '/'],
    ['/runs', '/runs'],
    ['/runs/abc123', '/runs'],
    ['/runs/new', '/runs/new'],
    ['/gallery', '/gallery'],
    ['/workers', '/workers'],
    ['/runsx', undefined],
    ['/elsewhere', undefined],
  ])('marks %s as %s', (pathname, expected) => {
    expect(activeNavHref(pathname)).toBe(expected);
  });

  it('finds items by href and refuses unknown ones', () => {
    expect(navItem('/sweeps').label).toBe('Sweeps');
    expect(() => navItem('/nope')).toThrow('No navigation item for /nope');
  });
});
