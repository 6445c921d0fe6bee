// A session's conversation, read from its transcripts on demand (/api/sessions/<row>/transcript): user
// prompts, assistant text, thinking (collapsed), tool calls with their input and their results (collapsed,
// cut long with "show more"), errors marked, cost and tokens per response, sub-agents nested where they
// started. A windowed list (VirtualList) keeps 100,000 items smooth; pages load as the end comes into view;
// a live session appends as lines land (a frame of this session on the live stream, or every 10 s at the
// end). `message` (messages.id, from ?message=) opens the page holding it, scrolled to and highlighted.
import { useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { LiveContext } from '../hooks/useLive';
import type { LiveState } from '../api/liveStore';
import {
  fetchTranscript,
  mergeItems,
  type TranscriptFileInfo,
  type TranscriptItem,
  type TranscriptPage,
} from '../api/transcript';
import { formatTokens, formatUsd } from '../format';
import { VirtualList } from './VirtualList';

const PAGE = 200;

type Row = { sub: TranscriptFileInfo; id: string } | { item: TranscriptItem; id: string };

/** The newest live-stream arrival of this session (0 when none). */
function lastArrival(s: LiveState, row: number): number {
  let m = 0;
  for (const f of s.feed) {
    const r = f.kind === 'usage' ? f.usage.session_row : f.kind === 'call' ? f.call.session_row : f.result.session_row;
    if (r === row && f.seq > m) m = f.seq;
  }
  return m;
}

const noSubscribe = () => () => {};

function useSessionArrivals(row: number): number {
  // Without a live store (a test), arrivals never change.
  const store = useContext(LiveContext);
  const get = () => (store ? lastArrival(store.getState(), row) : 0);
  return useSyncExternalStore(store ? store.subscribe : noSubscribe, get, get);
}

/** Live: a frame of this session, or every 10 s once at the end, asks for what follows the last item. */
function useLiveAppend(row: number, cursor: { current: { end: boolean } }, loadMore: () => void) {
  const arrivals = useSessionArrivals(row);
  useEffect(() => {
    if (cursor.current.end) loadMore();
  }, [arrivals, loadMore]);
  useEffect(() => {
    const t = setInterval(() => {
      if (cursor.current.end && (typeof document === 'undefined' || !document.hidden)) loadMore();
    }, 10_000);
    return () => clearInterval(t);
  }, [loadMore]);

}

/**
 * The pages of a conversation as they load: the first (or the one holding `message`), the next ones as
 * asked, the earlier ones as asked, and, once at the end, what lands later (a frame of this session on the
 * live stream, or every 10 s).
 */
function useTranscriptPages(row: number, message: number | null, file: number | null, fetchImpl?: typeof fetch) {
  const [items, setItems] = useState<TranscriptItem[]>([]);
  const [meta, setMeta] = useState<TranscriptPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = useRef({ next: null as string | null, prev: null as string | null, end: false, busy: false });
  const [, bump] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    cursor.current = { next: null, prev: null, end: false, busy: true };
    setItems([]);
    fetchTranscript(row, { message, file, limit: PAGE }, ctl.signal, fetchImpl)
      .then((p) => {
        cursor.current = { next: p.next, prev: p.prev, end: p.end, busy: false };
        setMeta(p);
        setItems(p.items);
        setError(null);
      })
      .catch((e: Error) => {
        if (ctl.signal.aborted) return;
        cursor.current.busy = false;
        setError(e.message);
      });
    return () => ctl.abort();
  }, [row, message, file, fetchImpl]);

  const loadMore = useCallback(() => {
    const c = cursor.current;
    if (c.busy || !c.next) return;
    c.busy = true;
    fetchTranscript(row, { after: c.next, file, limit: PAGE }, undefined, fetchImpl)
      .then((p) => {
        c.next = p.next ?? c.next;
        c.end = p.end;
        c.busy = false;
        setMeta((m) => ({ ...p, prev: m?.prev ?? p.prev }));
        if (p.items.length) setItems((have) => mergeItems(have, p.items, 'end'));
        else bump((n) => n + 1);
      })
      .catch(() => (c.busy = false));
  }, [row, file, fetchImpl]);

  const loadEarlier = useCallback(() => {
    const c = cursor.current;
    if (c.busy || !c.prev) return;
    c.busy = true;
    fetchTranscript(row, { before: c.prev, file, limit: PAGE }, undefined, fetchImpl)
      .then((p) => {
        c.prev = p.prev;
        c.busy = false;
        setItems((have) => mergeItems(have, p.items, 'start'));
        bump((n) => n + 1);
      })
      .catch(() => (c.busy = false));
  }, [row, file, fetchImpl]);

  useLiveAppend(row, cursor, loadMore);
  return { items, meta, error, cursor, loadMore, loadEarlier };
}

/** The list's rows: the items (a restated usage count once) and each sub-agent before the first item after its start. */
function placeRows(items: TranscriptItem[], subagents: TranscriptFileInfo[], atEnd: boolean): Row[] {
  // A usage count the transcript restated (Codex) is shown once.
  const out: Row[] = items.filter((item) => !item.repeat).map((item) => ({ item, id: item.id }));
  for (const sub of subagents) {
    if (!sub.started_at) continue;
    const found = out.findIndex((r) => 'item' in r && !!r.item.ts && r.item.ts > sub.started_at!);
    if (found < 0 && !atEnd) continue; // not reached yet
    out.splice(found < 0 ? out.length : found, 0, { sub, id: `sub-${sub.id}` });
  }
  return out;
}

export interface ConversationProps {
  row: number;
  message?: number | null;
  file?: number | null;
  nested?: boolean;
  fetchImpl?: typeof fetch;
  height?: string;
}

export function Conversation({ row, message = null, file = null, nested = false, fetchImpl, height }: ConversationProps) {
  const { items, meta, error, cursor, loadMore, loadEarlier } = useTranscriptPages(row, message, file, fetchImpl);
  const [scrollTo, setScrollTo] = useState<number | null>(null);

  // Sub-agents in place: after the last loaded item that came before they started.
  const rows: Row[] = useMemo(
    () => placeRows(items, nested || file != null ? [] : meta?.subagents ?? [], cursor.current.end),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [items, meta, nested, file],
  );

  useEffect(() => {
    if (message == null) return;
    const i = rows.findIndex((r) => 'item' in r && r.item.message_id === message);
    if (i >= 0) setScrollTo(i);
  }, [rows, message]);

  const onRange = useCallback(
    (_first: number, last: number) => {
      if (last >= rows.length - 20 && !cursor.current.end) loadMore();
    },
    [rows.length, loadMore],
  );

  if (error) return <p className="error-text" role="alert">{error}</p>;
  if (!meta) return <p className="muted">Loading the conversation…</p>;
  return (
    <div className={nested ? 'conversation nested' : 'conversation'} data-testid={nested ? 'subagent-conversation' : 'conversation'}>
      {meta.status !== 'ok' && (
        <p className="transcript-status" role="status" data-testid="transcript-status">
          {meta.status_message ?? meta.status}
        </p>
      )}
      {cursor.current.prev && (
        <button type="button" className="link-button" onClick={loadEarlier}>
          Load earlier
        </button>
      )}
      {rows.length === 0 ? (
        <p className="muted">Nothing to show{meta.status === 'ok' ? ' yet' : ''}.</p>
      ) : (
        <VirtualList
          items={rows}
          itemKey={(r) => r.id}
          height={height ?? (nested ? '40vh' : '70vh')}
          scrollTo={scrollTo}
          onRange={onRange}
          render={(r) =>
            'sub' in r ? (
              <SubAgent row={row} sub={r.sub} fetchImpl={fetchImpl} />
            ) : (
              <ItemView row={row} item={r.item} highlight={message != null && r.item.message_id === message} fetchImpl={fetchImpl} />
            )
          }
        />
      )}
      {cursor.current.end && <p className="muted small" data-testid="transcript-end">End of the transcript so far.</p>}
    </div>
  );
}

function SubAgent({ row, sub, fetchImpl }: { row: number; sub: TranscriptFileInfo; fetchImpl?: typeof fetch }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="ti ti-subagent" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        Sub-agent {sub.agent_id ?? sub.name} <span className="muted small">{sub.messages ?? 0} messages</span>
        {sub.status !== 'ok' && <span className="error-text small"> · {sub.status_message}</span>}
      </summary>
      {open && <Conversation row={row} file={sub.id} nested fetchImpl={fetchImpl} />}
    </details>
  );
}

function UsageBadge({ item }: { item: TranscriptItem }) {
  const u = item.usage;
  if (u)
    return (
      <span className="ti-usage muted small" data-testid="item-usage">
        {formatUsd(u.cost_usd)} · {formatTokens(u.input_tokens + u.cache_read_tokens + u.cache_create_tokens)} in ·{' '}
        {formatTokens(u.output_tokens)} out{u.model ? ` · ${u.model}` : ''}
      </span>
    );
  if (item.input_tokens != null || item.output_tokens != null)
    return (
      <span className="ti-usage muted small">
        {formatTokens(item.input_tokens ?? 0)} in · {formatTokens(item.output_tokens ?? 0)} out
      </span>
    );
  return null;
}

function Diff({ text }: { text: string }) {
  return (
    <pre className="ti-diff">
      {text.split('\n').map((l, i) => (
        <span key={i} className={l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : undefined}>
          {l}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** An item's text, and a "show more" that fetches the whole of a cut one. */
function useFullText(row: number, item: TranscriptItem, fetchImpl?: typeof fetch): { text: string; cut: ReactNode } {
  const [full, setFull] = useState<string | null>(null);
  const more = () =>
    fetchTranscript(row, { item: item.ref }, undefined, fetchImpl)
      .then((p) => setFull(p.items[0]?.text ?? ''))
      .catch(() => setFull(null));
  const text = full ?? item.text ?? '';
  const cut = item.text_truncated && full == null && (
    <button type="button" className="link-button" onClick={more}>
      show more ({formatTokens(item.full_length ?? 0)} characters)
    </button>
  );
  return { text, cut };
}

function ItemView(props: { row: number; item: TranscriptItem; highlight: boolean; fetchImpl?: typeof fetch }) {
  const { row, item, highlight, fetchImpl } = props;
  const { text, cut } = useFullText(row, item, fetchImpl);
  const cls = `ti ti-${item.kind}${item.is_error ? ' ti-error-mark' : ''}${highlight ? ' ti-highlight' : ''}`;
  const attrs: ItemAttrs = { className: cls, 'data-kind': item.kind, 'data-message': item.message_id ?? undefined };
  switch (item.kind) {
    case 'user':
      return (
        <div {...attrs}>
          <div className="ti-who">You</div>
          <div className="ti-text">{text}</div>
          {cut}
        </div>
      );
    case 'assistant':
      return (
        <div {...attrs}>
          <div className="ti-who">
            Assistant <UsageBadge item={item} />
          </div>
          <div className="ti-text">{text}</div>
          {cut}
        </div>
      );
    case 'thinking':
      return <ThinkingView item={item} attrs={attrs} text={text} cut={cut} />;
    case 'tool_call':
      return <ToolCallView item={item} attrs={attrs} />;
    case 'tool_result':
      return <ToolResultView item={item} attrs={attrs} text={text} cut={cut} />;
    case 'error':
      return (
        <div {...attrs} role="note">
          <div className="ti-who error-text">Error</div>
          <div className="ti-text">{text}</div>
        </div>
      );
    case 'usage':
      return (
        <div {...attrs}>
          <UsageBadge item={item} />
        </div>
      );
    case 'system':
      return (
        <div {...attrs}>
          <div className="ti-text muted small">{text}</div>
          {cut}
        </div>
      );
  }
}

type ItemAttrs = { className: string; 'data-kind': string; 'data-message'?: number };

function ToolCallView({ item, attrs }: { item: TranscriptItem; attrs: ItemAttrs }) {
  return (
        <div {...attrs}>
          <div className="ti-who">
            Tool <code>{item.tool_name}</code> {item.file_path && <code className="muted">{item.file_path}</code>}{' '}
            <UsageBadge item={item} />
          </div>
          {item.command && <pre className="ti-command">{item.command}</pre>}
          {item.diff && <Diff text={item.diff} />}
          {!item.command && !item.diff && item.input && (
            <details>
              <summary className="muted small">input</summary>
              <pre className="ti-input">{item.input}</pre>
            </details>
          )}
        </div>
  );
}

function ToolResultView({ item, attrs, text, cut }: { item: TranscriptItem; attrs: ItemAttrs; text: string; cut: ReactNode }) {
  return (
        <details {...attrs}>
          <summary className={item.is_error ? 'error-text' : 'muted'}>
            {item.is_error ? 'Error result' : 'Result'}
            {item.tool_name ? ` of ${item.tool_name}` : ''} <span className="small">({formatTokens(item.full_length ?? text.length)} characters)</span>
          </summary>
          <pre className="ti-result">{text}</pre>
          {cut}
        </details>
  );
}

function ThinkingView({ item, attrs, text, cut }: { item: TranscriptItem; attrs: ItemAttrs; text: string; cut: ReactNode }) {
  return (
        <details {...attrs}>
          <summary className="muted">
            Thinking <UsageBadge item={item} />
          </summary>
          <div className="ti-text muted">{text}</div>
          {cut}
        </details>
  );
}
