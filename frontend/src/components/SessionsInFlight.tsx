// Sessions in flight: project, model, the running tool with a ticking elapsed time, cost so far and last
// activity. A session leaves the list when it has been idle for the server's idle window (10 min). With
// an agent filter (the Live tab's), only that agent's sessions are listed; the model is shown as a chip in
// the agent's colour, the agent's label as its tooltip.
import { memo, useMemo } from 'react';
import { filterSessions } from '../api/agentFilter';
import type { InFlightSession } from '../api/types';
import { useLive } from '../hooks/useLive';
import { useNow } from '../hooks/useNow';
import { linkClick } from '../hooks/useRoute';
import { formatAgo, formatElapsed, formatUsd, parseTime, shortId } from '../format';
import { AgentChip } from './AgentChip';
import { colorFor } from './palette';

export function SessionsInFlight({ provider = '' }: { provider?: string }) {
  const frame = useLive((s) => s.sessions);
  const now = useNow(1000);
  const idleMs = (frame?.idle_after_s ?? 600) * 1000;
  const mine = useMemo(() => filterSessions(frame?.sessions ?? [], provider), [frame, provider]);
  const list = mine.filter((s) => {
    const t = parseTime(s.last_activity);
    return !t || now - t.getTime() <= idleMs;
  });
  return (
    <section className="card" aria-labelledby="inflight-h" data-testid="inflight">
      <h2 id="inflight-h">
        Sessions in flight <span className="count">{list.length}</span>
      </h2>
      {list.length === 0 ? (
        <p className="muted">
          {provider ? 'This agent has' : 'No agent has'} written nothing in the last {Math.round(idleMs / 60000)} minutes.
        </p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>Project</th>
              <th>Model</th>
              <th>Running</th>
              <th className="num">Cost</th>
              <th className="num">Last activity</th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <InFlightRow key={s.session_row} s={s} now={now} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const InFlightRow = memo(function InFlightRow({ s, now }: { s: InFlightSession; now: number }) {
  const since = parseTime(s.running_since);
  const href = `/sessions/${s.session_row}`;
  return (
    <tr>
      <td>
        <a href={href} onClick={linkClick(href)} title={s.session_id}>
          {s.project}
        </a>{' '}
        <span className="muted small mono">{shortId(s.session_id)}</span>
      </td>
      <td className="small">
        <AgentChip name={s.provider} small>
          {s.model || '—'}
        </AgentChip>
      </td>
      <td>
        {s.running_tool ? (
          <span className="running">
            <span className="badge" style={{ '--badge': colorFor(s.running_tool) } as React.CSSProperties}>
              {s.running_tool}
            </span>{' '}
            <span className="mono" data-testid="elapsed">{since ? formatElapsed(now - since.getTime()) : ''}</span>
          </span>
        ) : (
          <span className="muted small">thinking / idle</span>
        )}
      </td>
      <td className="num">{formatUsd(s.cost_usd)}</td>
      <td className="num small">{formatAgo(s.last_activity, now)}</td>
    </tr>
  );
});
