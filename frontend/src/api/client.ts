// JSON requests to the server. Same origin (the server serves the dashboard); a token given once as
// ?token= in the page address is kept in the agentpulse_token cookie, which the server accepts on every
// /api route and which EventSource sends too.
import type { ApiError } from './types';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Builds "/api/x?a=1&b=2", leaving out empty values. */
export function apiUrl(path: string, params: Record<string, string | number | undefined | null> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function fetchJson<T>(url: string, signal?: AbortSignal, fetchImpl: typeof fetch = fetch): Promise<T> {
  const res = await fetchImpl(url, { signal, headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new HttpError(res.status, `the server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const msg = (body as ApiError | null)?.error?.message ?? `HTTP ${res.status}`;
    throw new HttpError(res.status, msg);
  }
  return body as T;
}

/** Moves ?token= from the address bar into the cookie the server reads (once, at start). */
export function adoptTokenFromUrl(loc: Location = window.location, hist: History = window.history): void {
  const u = new URL(loc.href);
  const token = u.searchParams.get('token');
  if (!token) return;
  document.cookie = `agentpulse_token=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
  u.searchParams.delete('token');
  hist.replaceState(hist.state, '', u.pathname + u.search + u.hash);
}
