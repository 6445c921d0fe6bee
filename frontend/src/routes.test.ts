import { describe, expect, it } from 'vitest';
import { parseRoute } from './routes';
import { queryString, readQuery } from './tabs/SessionsTab';

describe('routes', () => {
  it('maps addresses to tabs', () => {
    expect(parseRoute('/').tab).toBe('overview');
    expect(parseRoute('/live').tab).toBe('live');
    expect(parseRoute('/live/').tab).toBe('live');
    expect(parseRoute('/sessions').tab).toBe('sessions');
    expect(parseRoute('/sessions/42')).toMatchObject({ tab: 'sessions', sessionRow: 42 });
    expect(parseRoute('/nonsense').tab).toBe('overview');
  });

  it('session list state round-trips through the address', () => {
    const q = readQuery(new URLSearchParams('project=shop&sort=cost&dir=asc&page=3&q=abc'));
    expect(q).toEqual({ project: 'shop', model: '', provider: '', q: 'abc', machine: '', sort: 'cost', dir: 'asc', page: 3 });
    expect(queryString(q)).toBe('/sessions?project=shop&q=abc&sort=cost&dir=asc&page=3');
    expect(readQuery(new URLSearchParams('sort=bogus')).sort).toBe('last_at');
    expect(queryString(readQuery(new URLSearchParams('')))).toBe('/sessions');
    const m = readQuery(new URLSearchParams('machine=build-box-2'));
    expect(m.machine).toBe('build-box-2');
    expect(queryString(m)).toBe('/sessions?machine=build-box-2');
  });
});
