// One hook per dashboard endpoint (docs/live-api.md, "Dashboard endpoints").
import { apiUrl } from '../api/client';
import type { AgentName, Overview, ServerConfig, SessionDetail, SessionPage, SessionSortKey } from '../api/types';
import { useFetch, type FetchState } from './useFetch';

/** /api/overview: the last 30 local days, of one agent or all (provider ""), refreshed every 30 s. */
export function useOverview(tz: string, provider: AgentName = '', machine = ''): FetchState<Overview> {
  return useFetch<Overview>(apiUrl('/api/overview', { tz, days: 30, provider, machine }), 30_000);
}

/** /api/config: where the server looks for transcripts, demo or not. */
export function useConfig(): FetchState<ServerConfig> {
  return useFetch<ServerConfig>('/api/config', 60_000);
}

export interface SessionListQuery {
  project: string;
  model: string;
  provider: AgentName;
  q: string;
  /** One machine's sessions ("" or absent: every machine). */
  machine?: string;
  sort: SessionSortKey;
  dir: 'asc' | 'desc';
  page: number;
}

export const SESSIONS_PER_PAGE = 50;

/** /api/sessions: one page, filtered and sorted by the server; refreshed every 15 s. */
export function useSessions(query: SessionListQuery): FetchState<SessionPage> {
  const url = apiUrl('/api/sessions', {
    project: query.project,
    model: query.model,
    provider: query.provider,
    q: query.q,
    machine: query.machine ?? '',
    sort: query.sort,
    dir: query.dir,
    limit: SESSIONS_PER_PAGE,
    offset: (Math.max(1, query.page) - 1) * SESSIONS_PER_PAGE,
  });
  return useFetch<SessionPage>(url, 15_000);
}

/** /api/sessions/<row>: one session's tool-call timeline and cost over time; refreshed every 10 s. */
export function useSession(row: number | null): FetchState<SessionDetail> {
  return useFetch<SessionDetail>(row === null ? null : `/api/sessions/${row}`, 10_000);
}
