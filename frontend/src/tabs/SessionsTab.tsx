// Sessions: the list, filtered and sorted by the server, one page at a time. Filters, sort and page live
// in the address (bookmarkable; the back button undoes them). The download buttons save the page shown,
// with the filters and sort that chose it, as CSV or JSON.
import { useEffect, useState } from 'react';
import { SESSION_SORT_KEYS, type SessionSortKey } from '../api/types';
import { sessionsExport } from '../api/exportData';
import { AgentSelect } from '../components/AgentSelect';
import { DownloadButtons } from '../components/DownloadButtons';
import { Pager } from '../components/Pager';
import { SessionTable } from '../components/SessionTable';
import { navigate } from '../hooks/useRoute';
import { SESSIONS_PER_PAGE, useSessions, type SessionListQuery } from '../hooks/useReports';

export function readQuery(p: URLSearchParams): SessionListQuery {
  const sort = p.get('sort') as SessionSortKey | null;
  return {
    project: p.get('project') ?? '',
    model: p.get('model') ?? '',
    provider: p.get('provider') ?? '',
    q: p.get('q') ?? '',
    machine: p.get('machine') ?? '',
    sort: sort && (SESSION_SORT_KEYS as readonly string[]).includes(sort) ? sort : 'last_at',
    dir: p.get('dir') === 'asc' ? 'asc' : 'desc',
    page: Math.max(1, Number(p.get('page')) || 1),
  };
}

export function queryString(q: SessionListQuery): string {
  const p = new URLSearchParams();
  if (q.project) p.set('project', q.project);
  if (q.model) p.set('model', q.model);
  if (q.provider) p.set('provider', q.provider);
  if (q.q) p.set('q', q.q);
  if (q.machine) p.set('machine', q.machine);
  if (q.sort !== 'last_at') p.set('sort', q.sort);
  if (q.dir !== 'desc') p.set('dir', q.dir);
  if (q.page > 1) p.set('page', String(q.page));
  const s = p.toString();
  return s ? `/sessions?${s}` : '/sessions';
}

export function SessionsTab({ search }: { search: URLSearchParams }) {
  const query = readQuery(search);
  const { data, error, loading } = useSessions(query);
  const [text, setText] = useState(query.q);
  const go = (patch: Partial<SessionListQuery>, replace = false) => navigate(queryString({ ...query, page: 1, ...patch }), replace);

  useEffect(() => setText(query.q), [query.q]);
  useEffect(() => {
    if (text === query.q) return;
    const t = setTimeout(() => go({ q: text }, true), 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const onSort = (key: SessionSortKey) => {
    const textual = key === 'project' || key === 'model' || key === 'provider';
    const dir = query.sort === key ? (query.dir === 'desc' ? 'asc' : 'desc') : textual ? 'asc' : 'desc';
    go({ sort: key, dir });
  };

  return (
    <section className="card" aria-labelledby="sessions-h" data-testid="sessions">
      <div className="toolbar">
        <h2 id="sessions-h">Sessions</h2>
        <input
          type="search"
          placeholder="Search session id, project, folder"
          aria-label="Search sessions"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <select aria-label="Project" value={query.project} onChange={(e) => go({ project: e.target.value })}>
          <option value="">All projects</option>
          {(data?.facets.projects ?? []).map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <select aria-label="Model" value={query.model} onChange={(e) => go({ model: e.target.value })}>
          <option value="">All models</option>
          {(data?.facets.models ?? []).map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <AgentSelect value={query.provider} onChange={(provider) => go({ provider })} />
        <select aria-label="Machine" data-testid="sessions-machine" value={query.machine} onChange={(e) => go({ machine: e.target.value })}>
          <option value="">All machines</option>
          {(data?.facets.machines ?? []).map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        {data && data.sessions.length > 0 && <DownloadButtons testId="sessions-download" file={() => sessionsExport(data, query)} />}
      </div>
      {error && <p className="error-text" role="alert">Could not load sessions: {error}</p>}
      {!data && loading && <p className="muted">Loading…</p>}
      {data && data.sessions.length === 0 && (
        <p className="muted">{data.total === 0 && !query.project && !query.model && !query.provider && !query.q && !query.machine ? 'No sessions yet.' : 'No session matches these filters.'}</p>
      )}
      {data && data.sessions.length > 0 && (
        <>
          <SessionTable rows={data.sessions} sort={query.sort} dir={query.dir} onSort={onSort} />
          <Pager page={query.page} perPage={SESSIONS_PER_PAGE} total={data.total} onPage={(p) => navigate(queryString({ ...query, page: p }))} />
        </>
      )}
    </section>
  );
}
