// One row of the event stream: a tool call (tool badge, project, file path or bytes, then its result),
// a tool result (latency, error mark) or a usage event (model, cost, tokens). Each row shows its agent: a
// usage event's model is a chip in the agent's colour, a call's or result's project has the agent's dot
// (its label as the tooltip). Memoised: a row renders again only when its own item changes (a result
// landing, a usage event growing).
import { memo } from 'react';
import type { FeedItem } from '../api/liveStore';
import type { AgentName } from '../api/types';
import { useAgent } from '../hooks/useAgents';
import { useOtherMachine } from '../hooks/useMachine';
import { formatBytes, formatCost, formatDuration, formatTime, formatTokens, shortPath } from '../format';
import { AgentChip } from './AgentChip';
import { colorFor } from './palette';

function ToolBadge({ name }: { name: string }) {
  return (
    <span className="badge" style={{ '--badge': colorFor(name) } as React.CSSProperties}>
      {name}
    </span>
  );
}

/** The machine a row was read on, when it is not this server's (a forwarded row, remote telemetry); before
 * the project, so that a long project name is what the cell's ellipsis cuts. */
function MachineLabel({ machine, user }: { machine?: string; user?: string }) {
  const other = useOtherMachine(machine);
  if (!other) return null;
  return (
    <span className="feed__machine" data-testid="feed-machine" title={user ? `from ${other}, user ${user}` : `from ${other}`}>
      @{other}{' '}
    </span>
  );
}

/** The project of a call or result row, after a dot in its agent's colour. */
function ProjectOfAgent({ provider, project, machine, user }: { provider: AgentName; project: string; machine?: string; user?: string }) {
  const agent = useAgent(provider);
  return (
    <span className="feed__project chip--agent" style={{ '--agent': agent.color } as React.CSSProperties} title={agent.label} data-agent={agent.name}>
      <MachineLabel machine={machine} user={user} />
      {project}
    </span>
  );
}

export const FeedRow = memo(function FeedRow({ item }: { item: FeedItem }) {
  if (item.kind === 'usage') {
    const u = item.usage;
    return (
      <li className="feed__row feed__row--usage" data-key={item.key}>
        <span className="feed__time">{formatTime(u.ts)}</span>
        <span className="feed__kind" title="usage event (one API response)">$</span>
        <AgentChip name={u.provider}>{u.model || 'unknown model'}</AgentChip>
        <span className={u.cost_source === 'unpriced' ? 'feed__cost unpriced' : 'feed__cost'} title={u.cost_source}>
          {formatCost(u.cost_usd, u.cost_source)}
        </span>
        <span className="feed__detail" title={`input ${u.input_tokens}, output ${u.output_tokens}, cache read ${u.cache_read_tokens}, cache write ${u.cache_create_tokens}`}>
          {formatTokens(u.input_tokens + u.cache_read_tokens + u.cache_create_tokens)} in · {formatTokens(u.output_tokens)} out
          {item.updates > 0 && <span className="muted"> · grew ×{item.updates}</span>}
        </span>
        <span className="feed__project">
          <MachineLabel machine={u.machine} user={u.user} />
          {u.project}
        </span>
      </li>
    );
  }
  if (item.kind === 'call') {
    const c = item.call;
    const r = item.result;
    return (
      <li className="feed__row feed__row--call" data-key={item.key}>
        <span className="feed__time">{formatTime(c.ts)}</span>
        <span className="feed__kind" title="tool call">→</span>
        <ToolBadge name={c.tool_name} />
        <span className="feed__detail" title={c.file_path ?? undefined}>
          {c.file_path ? shortPath(c.file_path) : c.byte_count != null ? formatBytes(c.byte_count) : ''}
        </span>
        <span className="feed__status">
          {!r ? (
            <span className="pending" title="waiting for the result">running</span>
          ) : r.is_error ? (
            <span className="error-mark" title="the tool reported an error">✗ {formatDuration(r.latency_ms)}</span>
          ) : (
            <span className="ok-mark">✓ {formatDuration(r.latency_ms)}</span>
          )}
        </span>
        <ProjectOfAgent provider={c.provider} project={c.project} machine={c.machine} user={c.user} />
      </li>
    );
  }
  const r = item.result;
  return (
    <li className={r.is_error ? 'feed__row feed__row--result feed__row--error' : 'feed__row feed__row--result'} data-key={item.key}>
      <span className="feed__time">{formatTime(r.result_ts ?? r.ts)}</span>
      <span className="feed__kind" title="tool result">←</span>
      <ToolBadge name={r.tool_name} />
      <span className="feed__detail">
        {r.is_error ? <span className="error-mark">✗ error</span> : <span className="ok-mark">✓</span>}{' '}
        {formatDuration(r.latency_ms)}
        {r.result_bytes != null && <span className="muted"> · {formatBytes(r.result_bytes)}</span>}
        {item.filePath && <span className="muted"> · {shortPath(item.filePath)}</span>}
      </span>
      <ProjectOfAgent provider={r.provider} project={r.project} machine={r.machine} user={r.user} />
    </li>
  );
});
