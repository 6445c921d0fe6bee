// Tool latency for the most-used tools: P95 as a number and a sparkline of the last 60 minutes' P95;
// P50, P99, samples and error rate on hover or focus. Fed by the stats snapshot (refetched at the first
// burn tick after a tool result, so within 5 s of it, and every 15 s),
// whose per-tool sums pool every agent's calls (they carry no agent): `allAgentsNote` says so while the
// Live tab is filtered by agent, rather than filter them wrongly.
import { memo } from 'react';
import type { ToolLatency } from '../api/types';
import { latencyCoverage } from '../api/agents';
import { useAgents } from '../hooks/useAgents';
import { useLive } from '../hooks/useLive';
import { formatDuration, formatPercent } from '../format';
import { colorFor } from './palette';
import { Sparkline } from './Sparkline';

const DEFAULT_MEASURES =
  'wall time from a tool call to its result as the agent recorded them: the line holding the call to the line holding its result (including any wait for your approval), or the execution\'s own start and end where the agent records those';

export function ToolLatencyPanel({ allAgentsNote = false }: { allAgentsNote?: boolean }) {
  const stats = useLive((s) => s.stats);
  const tools = stats?.tool_latency ?? [];
  const hours = stats?.tool_latency_window_hours ?? 24;
  const coverage = latencyCoverage(useAgents());
  return (
    <section className="card" aria-labelledby="latency-h" data-testid="latency">
      <h2 id="latency-h">Tool latency</h2>
      <p className="muted small" data-testid="latency-measures">
        Measured: {stats?.tool_latency_measures ?? DEFAULT_MEASURES}. P95 over {hours} h; line: P95 per minute, last 60 min.
      </p>
      {allAgentsNote && (
        <p className="muted small" data-testid="latency-unfiltered">
          Every agent&apos;s calls: the latency sums are kept per tool, not per agent, so this pane is not filtered by agent.
        </p>
      )}
      {coverage && (
        <p className="muted small" data-testid="latency-coverage">
          {coverage}
        </p>
      )}
      {tools.length === 0 ? (
        <p className="muted">No tool results yet in the last {hours} h.</p>
      ) : (
        <ul className="latency">
          {tools.map((t) => (
            <LatencyRow key={t.tool_name} tool={t} />
          ))}
        </ul>
      )}
    </section>
  );
}

const LatencyRow = memo(function LatencyRow({ tool }: { tool: ToolLatency }) {
  const detail = `${tool.tool_name}: P50 ${formatDuration(tool.p50_ms)}, P95 ${formatDuration(tool.p95_ms)}, P99 ${formatDuration(
    tool.p99_ms,
  )}, ${tool.samples} samples, ${formatPercent(tool.error_rate)} errors`;
  return (
    <li className="latency__row" tabIndex={0} aria-label={detail} data-testid={`latency-${tool.tool_name}`}>
      <span className="badge" style={{ '--badge': colorFor(tool.tool_name) } as React.CSSProperties}>
        {tool.tool_name}
      </span>
      <span className="latency__p95" title="P95">{formatDuration(tool.p95_ms)}</span>
      <Sparkline values={tool.series.map((p) => p.p95_ms)} label={`P95 per minute of ${tool.tool_name}, last 60 minutes`} />
      <div className="tooltip" role="tooltip">
        <dl>
          <dt>P50</dt>
          <dd>{formatDuration(tool.p50_ms)}</dd>
          <dt>P95</dt>
          <dd>{formatDuration(tool.p95_ms)}</dd>
          <dt>P99</dt>
          <dd>{formatDuration(tool.p99_ms)}</dd>
          <dt>Samples</dt>
          <dd>{tool.samples}</dd>
          <dt>Errors</dt>
          <dd>
            {formatPercent(tool.error_rate)} ({tool.errors})
          </dd>
        </dl>
      </div>
    </li>
  );
});
