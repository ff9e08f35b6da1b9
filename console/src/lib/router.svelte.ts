// Hash routes (`#/members?tier=A`, `#/members/M1001`): the server serves one page, and nothing
// about a member travels to the server in a path or a referrer.
export interface Route {
  path: string[];
  query: URLSearchParams;
}

function parse(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = hash.split('?');
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export const route = $state(parse());

window.addEventListener('hashchange', () => {
  const next = parse();
  route.path = next.path;
  route.query = next.query;
});

/** A link to a page with query parameters (empty ones left out). */
export function href(path: string, params: Record<string, string | number | boolean | null | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '' && value !== false) query.set(key, String(value));
  }
  const text = query.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}
