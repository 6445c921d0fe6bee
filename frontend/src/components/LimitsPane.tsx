// Plan limit windows per agent (the `rate_limits` frame; docs/limits.md): how much of each window is used,
// when it resets, where the figure comes from and how old it is. A figure goes stale when no turn runs, so
// its age is always shown; an estimated 5-hour block (no agent reported a window) says it is an estimate.
import type { LimitWindow } from '../api/types';
import { agentInfo } from '../api/agents';
import { useAgents } from '../hooks/useAgents';
import { useLive } from '../hooks/useLive';
import { useNow } from '../hooks/useNow';
import { formatAgo, formatDateTime, formatDuration, formatUsd, parseTime } from '../format';

const WINDOW_LABELS: Record<string, string> = { five_hour: '5-hour window', weekly: 'Weekly window' };
const SOURCE_LABELS: Record<string, string> = {
  transcript: "from the agent's transcript",
  statusline: "from Claude Code's status line",
  estimate: 'estimated from usage',
};

export function windowLabel(w: LimitWindow): string {
  return WINDOW_LABELS[w.window] ?? `${w.window_minutes ?? '?'}-minute window`;
}

export function LimitsPane({ testId = 'limits' }: { testId?: string }) {
  const limits = useLive((s) => s.limits);
  const agents = useAgents();
  const now = useNow(1000);
  const rows = limits?.limits ?? [];
  return (
    <section className="card" aria-labelledby={`${testId}-h`} data-testid={testId}>
      <h2 id={`${testId}-h`}>Limits</h2>
      {rows.length === 0 ? (
        <p className="muted small">
          No plan limits reported yet: Codex reports them in its transcripts; Claude Code through `agentpulse statusline`.
        </p>
      ) : (
        <ul className="limits">
          {rows.map((w) => (
            <LimitRow key={`${w.provider}/${w.window}`} w={w} label={agentInfo(agents, w.provider).label} now={now} />
          ))}
        </ul>
      )}
    </section>
  );
}

function LimitRow({ w, label, now }: { w: LimitWindow; label: string; now: number }) {
  const resets = parseTime(w.resets_at);
  const resetsIn = resets ? resets.getTime() - now : null;
  const expired = resetsIn != null && resetsIn <= 0;
  const pct = w.used_percent;
  return (
    <li className="limits__row" data-testid={`limit-${w.provider}-${w.window}`} data-estimate={w.estimate}>
      <div className="limits__head">
        <strong>{label}</strong> <span>{windowLabel(w)}</span>
        {w.estimate && <span className="badge limits__estimate">estimate</span>}
      </div>
      {pct != null ? (
        <div className="limits__bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={`${label} ${windowLabel(w)} used`}>
          <div className="limits__fill" style={{ width: `${Math.min(100, Math.max(0, pct))}%` }} data-level={pct >= 90 ? 'high' : pct >= 70 ? 'mid' : 'low'} />
        </div>
      ) : null}
      <div className="muted small">
        {pct != null && <span data-testid="limit-used">{expired ? 'was ' : ''}{pct.toFixed(pct < 10 ? 1 : 0)}% used · </span>}
        {w.estimate && <span data-testid="limit-block-cost">{formatUsd(w.cost_usd ?? 0)} in the block since {formatDateTime(w.started_at)} · </span>}
        {resets && (
          <span data-testid="limit-resets">
            {expired ? `reset at ${formatDateTime(w.resets_at)}` : `resets in ${formatDuration(resetsIn)} (${formatDateTime(w.resets_at)})`}
          </span>
        )}
      </div>
      <div className="muted small" data-testid="limit-source">
        {SOURCE_LABELS[w.source] ?? w.source}, {w.estimate ? 'last activity' : 'reported'} {formatAgo(w.observed_at, now)}
      </div>
    </li>
  );
}
