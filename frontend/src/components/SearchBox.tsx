// The header's search box: what was asked, the files touched, the commands run (GET /api/search). Results
// appear under it as you type (debounced); each names its agent, project, time and kind, shows the
// matching snippet with the matched words marked, and links to that point of the conversation
// (/sessions/<row>?message=<id>). Escape or a click elsewhere closes the list.
import { useEffect, useRef, useState } from 'react';
import { apiUrl, fetchJson } from '../api/client';
import { hitHref, KIND_LABELS, type SearchAnswer, type SearchHit } from '../api/search';
import { formatDateTime } from '../format';
import { linkClick, navigate } from '../hooks/useRoute';
import { AgentChip } from './AgentChip';

const DEBOUNCE_MS = 200;

function Snippet({ hit }: { hit: SearchHit }) {
  return (
    <span className="search__snippet">
      {hit.snippet_parts.map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </span>
  );
}

interface SearchState {
  answer: SearchAnswer | null;
  error: string | null;
  loading: boolean;
}

/** GET /api/search for `text` once no key came for `debounceMs`; a newer text aborts the older request. */
function useSearch(text: string, debounceMs: number): SearchState {
  const [state, setState] = useState<SearchState>({ answer: null, error: null, loading: false });
  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setState({ answer: null, error: null, loading: false });
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const t = setTimeout(() => {
      fetchJson<SearchAnswer>(apiUrl('/api/search', { q, limit: 20 }), ctl.signal)
        .then((answer) => {
          if (!ctl.signal.aborted) setState({ answer, error: null, loading: false });
        })
        .catch((e: unknown) => {
          if (!ctl.signal.aborted) setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e), loading: false }));
        });
    }, debounceMs);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [text, debounceMs]);
  return state;
}

function HitLink({ hit, tz, onOpen }: { hit: SearchHit; tz?: string; onOpen: () => void }) {
  const href = hitHref(hit);
  return (
    <a
      className="search__hit"
      href={href}
      data-testid="search-hit"
      onClick={(e) => {
        onOpen();
        linkClick(href)(e);
      }}
    >
      <span className="search__meta small">
        <AgentChip name={hit.agent} small />
        <span className="search__project">{hit.project}</span>
        <span className="search__kind muted">
          {KIND_LABELS[hit.kind] ?? hit.kind}
          {hit.tool ? ` · ${hit.tool}` : ''}
        </span>
        <span className="search__time muted">{formatDateTime(hit.ts, tz)}</span>
      </span>
      <Snippet hit={hit} />
    </a>
  );
}

function SearchResults({ state, tz, onOpen }: { state: SearchState; tz?: string; onOpen: () => void }) {
  const { answer, error, loading } = state;
  const hits = answer?.hits ?? [];
  return (
    <div className="search__results" data-testid="search-results">
      {error && <div className="search__note search__note--error">{error}</div>}
      {!error && loading && hits.length === 0 && <div className="search__note muted">Searching…</div>}
      {!error && !loading && answer && hits.length === 0 && <div className="search__note muted">No match.</div>}
      {answer?.index_incomplete && (
        <div className="search__note muted small">
          The index has not read this store's older transcripts: run <code>agentpulse search --rebuild</code>.
        </div>
      )}
      {hits.length > 0 && (
        <ul className="search__list" aria-label="Search results">
          {hits.map((h) => (
            <li key={`${h.session_id}:${h.message_id ?? ''}:${h.call_id ?? ''}:${h.ts}`}>
              <HitLink hit={h} tz={tz} onOpen={onOpen} />
            </li>
          ))}
        </ul>
      )}
      {answer?.more && <div className="search__note muted small">More hits: add words to narrow the search.</div>}
    </div>
  );
}

export function SearchBox({ tz, debounceMs = DEBOUNCE_MS }: { tz?: string; debounceMs?: number }) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const state = useSearch(text, debounceMs);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const hits = state.answer?.hits ?? [];
  return (
    <div className="search" ref={root} role="search">
      <input
        type="search"
        className="search__input"
        placeholder="Search prompts, files, commands…"
        aria-label="Search sessions"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
          if (e.key === 'Enter' && hits.length > 0) {
            setOpen(false);
            navigate(hitHref(hits[0]));
          }
        }}
      />
      {open && text.trim() !== '' && <SearchResults state={state} tz={tz} onOpen={() => setOpen(false)} />}
    </div>
  );
}
