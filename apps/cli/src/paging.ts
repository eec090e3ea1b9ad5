/** Reads pages until `limit` items are in hand, or every page with `all`. */
export async function collectPages<T>(
  fetch: (pageSize: number, pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
  opts: { limit: number; all?: boolean },
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let token = '';
  for (;;) {
    const pageSize = opts.all ? 500 : Math.min(500, opts.limit - items.length);
    const page = await fetch(pageSize, token);
    items.push(...page.items);
    token = page.nextPageToken;
    if (!token) return { items, more: false };
    if (!opts.all && items.length >= opts.limit) return { items, more: true };
  }
}
