// One session: what it cost and how long it ran, its cost over time, its tool calls on a timeline with
// exact latencies, and per-tool latency sums. From /api/sessions/<row>, refreshed every 10 s.
import type { SessionDetail } from '../api/types';
import { AgentChip } from '../components/AgentChip';
import { Conversation } from '../components/Conversation';
import { ConversationExport } from '../components/ConversationExport';
import { CostChart } from '../components/CostChart';
import { Stat } from '../components/Stat';
import { ToolTimeline } from '../components/ToolTimeline';
import { linkClick } from '../hooks/useRoute';
import { useSession } from '../hooks/useReports';
import { formatDateTime, formatDuration, formatTokens, formatUsd } from '../format';

export function SessionPage({ row, message = null }: { row: number; message?: number | null }) {
  const { data, error } = useSession(row);
  const back = (
    <a href="/sessions" onClick={linkClick('/sessions')} className="back">
      ← All sessions
    </a>
  );
  if (error && !data)
    return (
      <section className="card">
        {back}
        <p className="error-text" role="alert">{error}</p>
      </section>
    );
  if (!data) return <p className="muted">Loading…</p>;
  const s = data.session;
  return (
    <div className="grid" data-testid="session-page">
      <section className="card span-all">
        {back}
        <h2 className="session-title">
          {s.project} <AgentChip name={s.provider} /> <span className="muted mono small">{s.session_id}</span>
        </h2>
        <p className="muted small">
          {s.model || 'model unknown'} · {formatDateTime(s.started_at)} → {formatDateTime(s.last_at)}
          {s.git_branch && <> · branch {s.git_branch}</>} {s.cwd && <> · <code>{s.cwd}</code></>}
          {s.machine && (
            <span data-testid="session-page-machine">
              {' '}· on {s.machine}
              {s.user && <> ({s.user})</>}
            </span>
          )}
        </p>
        <div className="stats-row">
          <Stat
            label="Cost"
            value={(s.estimated_events ?? 0) > 0 ? `≈${formatUsd(s.cost_usd)}` : formatUsd(s.cost_usd)}
            hint={
              [
                s.unpriced_events ? `${s.unpriced_events} unpriced responses` : '',
                s.estimated_events ? `${s.estimated_events} responses name no model: an estimate` : '',
              ]
                .filter(Boolean)
                .join('; ') || undefined
            }
          />
          <Stat label="Tokens" value={formatTokens(s.total_tokens)} hint={`${formatTokens(s.tokens.output)} output`} />
          <Stat label="Duration" value={s.duration_s == null ? '—' : formatDuration(s.duration_s * 1000)} />
          <Stat label="Tool calls" value={String(s.tool_calls)} hint={`${s.tool_errors} errors`} />
          <Stat label="Responses" value={String(s.events)} />
        </div>
      </section>
      <section className="card span-all" aria-labelledby="conversation-h">
        <div className="toolbar">
          <h2 id="conversation-h">Conversation</h2>
          <ConversationExport row={row} />
        </div>
        <Conversation row={row} message={message} />
      </section>
      <section className="card span-all" aria-labelledby="cost-h">
        <h2 id="cost-h">Cost over time</h2>
        <CostChart series={data.cost_series} />
      </section>
      <section className="card span-all" aria-labelledby="timeline-h">
        <h2 id="timeline-h">
          Tool calls <span className="count">{data.tool_calls_total}</span>
        </h2>
        {data.tool_calls_truncated && <p className="muted small">Showing the first {data.tool_calls.length} calls.</p>}
        <p className="muted small">Latency: wall time from the call to its result as the agent recorded them (the lines holding them, including any wait for approval, or the execution's own start and end where the agent records those); none where the agent writes no start time.</p>
        <ToolTimeline calls={data.tool_calls} endIso={s.last_at} />
      </section>
      {data.tools.length > 0 && <ToolSums tools={data.tools} />}
    </div>
  );
}

function ToolSums({ tools }: { tools: SessionDetail['tools'] }) {
  return (
    <section className="card span-all" aria-labelledby="tools-h">
      <h2 id="tools-h">By tool</h2>
      <table className="table compact">
        <thead>
          <tr>
            <th>Tool</th>
            <th className="num">Calls</th>
            <th className="num">Errors</th>
            <th className="num">P50</th>
            <th className="num">P95</th>
            <th className="num">Max</th>
          </tr>
        </thead>
        <tbody>
          {tools.map((t) => (
            <tr key={t.tool_name}>
              <td>{t.tool_name}</td>
              <td className="num">{t.calls}</td>
              <td className={t.errors ? 'num error-mark' : 'num'}>{t.errors}</td>
              <td className="num">{formatDuration(t.p50_ms)}</td>
              <td className="num">{formatDuration(t.p95_ms)}</td>
              <td className="num">{formatDuration(t.max_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
