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

export function SearchBox({ tz, debounceMs = DEBOUNCE_MS }: { tz?: string; debounceMs?: number }) {
  const [text, setText] = useState('');
  const [answer, setAnswer] = useState<SearchAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [loading, setLoading] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setAnswer(null);
      setError(null);
      setLoading(false);
      return;
    }
    const ctl = new AbortController();
    setLoading(true);
    const t = setTimeout(() => {
      fetchJson<SearchAnswer>(apiUrl('/api/search', { q, limit: 20 }), ctl.signal)
        .then((a) => {
          if (ctl.signal.aborted) return;
          setAnswer(a);
          setError(null);
          setLoading(false);
        })
        .catch((e: unknown) => {
          if (ctl.signal.aborted) return;
          setError(e instanceof Error ? e.message : String(e));
          setLoading(false);
        });
    }, debounceMs);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [text, debounceMs]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const hits = answer?.hits ?? [];
  const showList = open && text.trim() !== '';
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
      {showList && (
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
              {hits.map((h) => {
                const href = hitHref(h);
                return (
                  <li key={`${h.session_id}:${h.message_id ?? ''}:${h.call_id ?? ''}:${h.ts}`}>
                    <a
                      className="search__hit"
                      href={href}
                      data-testid="search-hit"
                      onClick={(e) => {
                        setOpen(false);
                        linkClick(href)(e);
                      }}
                    >
                      <span className="search__meta small">
                        <AgentChip name={h.agent} small />
                        <span className="search__project">{h.project}</span>
                        <span className="search__kind muted">
                          {KIND_LABELS[h.kind] ?? h.kind}
                          {h.tool ? ` · ${h.tool}` : ''}
                        </span>
                        <span className="search__time muted">{formatDateTime(h.ts, tz)}</span>
                      </span>
                      <Snippet hit={h} />
                    </a>
                  </li>
                );
              })}
            </ul>
          )}
          {answer?.more && <div className="search__note muted small">More hits: add words to narrow the search.</div>}
        </div>
      )}
    </div>
  );
}
