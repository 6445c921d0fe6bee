// GET /api/search (docs/search.md): the search index's hits, newest first, each with its snippet and the
// session (and message) it jumps to.
import type { AgentName } from './types';

export type SearchKind = 'prompt' | 'command' | 'file' | 'tool' | 'text';

export interface SnippetPart {
  text: string;
  match: boolean;
}

export interface SearchHit {
  session_id: number;
  message_id: number | null;
  call_id: number | null;
  ts: string;
  kind: SearchKind;
  tool: string | null;
  snippet: string;
  snippet_parts: SnippetPart[];
  agent: AgentName;
  project: string;
  model: string;
  agent_session_id: string;
  started_at: string;
  last_at: string;
}

export interface SearchAnswer {
  query: string;
  fts_query: string;
  hits: SearchHit[];
  more: boolean;
  scanned: number;
  index_incomplete: boolean;
}

/** The conversation page at the hit: /sessions/<row>?message=<id> (the message only when the hit has one). */
export function hitHref(hit: Pick<SearchHit, 'session_id' | 'message_id'>): string {
  return hit.message_id === null ? `/sessions/${hit.session_id}` : `/sessions/${hit.session_id}?message=${hit.message_id}`;
}

export const KIND_LABELS: Record<SearchKind, string> = {
  prompt: 'prompt',
  command: 'command',
  file: 'file',
  tool: 'tool',
  text: 'answer',
};
