// The empty state for a new user: nothing has been read yet. Says where agentpulse looked, what it
// found there, and how to point it elsewhere (or try the demo).
import { agentInfo } from '../api/agents';
import type { ServerConfig } from '../api/types';
import { useAgents } from '../hooks/useAgents';
import { formatBytes } from '../format';

/** "A", "A and B", "A, B and C": the agents whose folders are listed. */
export function agentList(labels: string[]): string {
  if (labels.length === 0) return 'agent';
  if (labels.length === 1) return labels[0];
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

export function NoTranscripts({ config }: { config: ServerConfig | null }) {
  const agents = useAgents();
  const roots = config?.roots ?? [];
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
          <p>agentpulse is watching these folders for {agentList(roots.map((r) => agentInfo(agents, r.provider).label))} transcripts and has found nothing billable in them yet:</p>
          <ul className="roots">
            {roots.map((r) => (
              <li key={r.provider}>
                <strong>{agentInfo(agents, r.provider).label}</strong>: <code>{r.path}</code>{' '}
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
