// The empty state for a new user: nothing has been read yet. Says where agentpulse looked, what it
// found there, and how to point it elsewhere (or try the demo).
import type { ServerConfig } from '../api/types';
import { formatBytes } from '../format';

export function NoTranscripts({ config }: { config: ServerConfig | null }) {
  return (
    <section className="card empty" data-testid="empty-state">
      <h2>No agent activity yet</h2>
      {config?.watcher_mode === 'external' ? (
        <p>
          This server reads the store <code>{config.store}</code> that another process writes (<code>--no-watcher</code>). Nothing is in it yet:
          start a writer with <code>agentpulse ingest --follow --store {config.store}</code>.
        </p>
      ) : (
        <>
          <p>agentpulse is watching these folders for Claude Code and Codex CLI transcripts and has found nothing billable in them yet:</p>
          <ul className="roots">
            {(config?.roots ?? []).map((r) => (
              <li key={r.provider}>
                <strong>{r.provider === 'claude' ? 'Claude Code' : r.provider === 'codex' ? 'Codex CLI' : r.provider}</strong>: <code>{r.path}</code>{' '}
                {r.exists ? (
                  <span className="muted">
                    ({r.files} transcript{r.files === 1 ? '' : 's'}
                    {r.files ? `, ${formatBytes(r.bytes)}` : ''})
                  </span>
                ) : (
                  <span className="warn">(this folder does not exist)</span>
                )}
                <div className="muted small">
                  Point it elsewhere with <code>{r.flag} DIR</code> or <code>{r.env}=DIR</code> (default {r.default}).
                </div>
              </li>
            ))}
          </ul>
          <p>
            Start an agent and its work appears on the <a href="/live">Live</a> tab within a second. To see agentpulse move without one, run{' '}
            <code>agentpulse serve --demo</code>.
          </p>
        </>
      )}
    </section>
  );
}
