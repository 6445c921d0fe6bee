// The conversation of a session (GET /api/sessions/<row>/transcript): items read from the transcript on
// demand, paged by opaque cursors (`next` for after=, `prev` for before=).
import { apiUrl, fetchJson } from './client';

export type TranscriptKind =
  | 'user'
  | 'assistant'
  | 'thinking'
  | 'tool_call'
  | 'tool_result'
  | 'error'
  | 'system'
  | 'usage';

export interface ItemUsage {
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_create_tokens: number;
  model: string;
}

export interface TranscriptItem {
  /** Stable while the transcript does not change: the message key (or file:offset) and the item's index. */
  id: string;
  /** Where it is: pass as ?item= to get its whole text. */
  ref: string;
  file_id: number;
  line?: number;
  kind: TranscriptKind;
  ts?: string;
  text?: string;
  text_truncated?: boolean;
  full_length?: number;
  tool_name?: string;
  tool_id?: string;
  command?: string;
  file_path?: string;
  diff?: string;
  input?: string;
  is_error?: boolean;
  model?: string;
  agent_id?: string;
  input_tokens?: number;
  output_tokens?: number;
  message_id: number | null;
  usage?: ItemUsage;
  /** A usage count restated on a later line of the same page: not shown again. */
  repeat?: boolean;
}

export interface TranscriptFileInfo {
  id: number;
  kind: string;
  name: string;
  status: string;
  status_message?: string;
  started_at?: string;
  agent_id?: string;
  messages?: number;
}

export interface TranscriptPage {
  session: { id: number; provider: string; session_id: string };
  items: TranscriptItem[];
  next: string | null;
  prev: string | null;
  end: boolean;
  status: string;
  status_message?: string;
  files: TranscriptFileInfo[];
  subagents: TranscriptFileInfo[];
}

export interface TranscriptQuery {
  after?: string | null;
  before?: string | null;
  message?: number | null;
  file?: number | null;
  item?: string | null;
  limit?: number;
}

export function transcriptUrl(row: number, q: TranscriptQuery = {}): string {
  return apiUrl(`/api/sessions/${row}/transcript`, {
    after: q.after,
    before: q.before,
    message: q.message,
    file: q.file,
    item: q.item,
    limit: q.limit,
  });
}

export function fetchTranscript(row: number, q: TranscriptQuery, signal?: AbortSignal, fetchImpl?: typeof fetch) {
  return fetchJson<TranscriptPage>(transcriptUrl(row, q), signal, fetchImpl);
}

/**
 * Adds a page's items to the list: an item already there (same id: a message restated as it grew) is
 * replaced where it is; new ones are appended (or prepended for an earlier page).
 */
export function mergeItems(have: TranscriptItem[], page: TranscriptItem[], where: 'end' | 'start'): TranscriptItem[] {
  const index = new Map<string, number>();
  have.forEach((it, i) => index.set(it.id, i));
  const out = have.slice();
  const fresh: TranscriptItem[] = [];
  for (const it of page) {
    const at = index.get(it.id);
    if (at === undefined) fresh.push(it);
    else out[at] = it;
  }
  return where === 'end' ? out.concat(fresh) : fresh.concat(out);
}
