// The burn ticker: rolling $/min and $/hour (last 5 minutes), today, month to date, projected month end,
// and the budget bar when a monthly budget is set. Fed by burn_tick every 5 s: every agent's spend (the
// frame carries no agent), which `allAgentsNote` says while the Live tab is filtered by agent.
import { useLive } from '../hooks/useLive';
import { formatRate, formatUsd } from '../format';
import { BudgetBar } from './BudgetBar';
import { Stat } from './Stat';

export function BurnTicker({ allAgentsNote = false }: { allAgentsNote?: boolean }) {
  const burn = useLive((s) => s.burn);
  if (!burn) return <section className="card" aria-label="Burn rate"><p className="muted">Waiting for the first burn tick…</p></section>;
  return (
    <section className="card burn" aria-label="Burn rate" data-testid="burn">
      <div className="burn__rate">
        <div className="burn__big" data-testid="burn-per-min">{formatRate(burn.usd_per_min, 'min')}</div>
        <div className="muted small">{formatRate(burn.usd_per_hour, 'hour')} · rolling {Math.round(burn.window_s / 60)} min</div>
      </div>
      <div className="stats-row">
        <Stat label="Today" value={formatUsd(burn.today_usd)} testId="burn-today" />
        <Stat label="Month to date" value={formatUsd(burn.month_to_date_usd)} />
        <Stat label="Projected month end" value={formatUsd(burn.projected_month_usd)} hint="linear from this month so far" />
      </div>
      {burn.budget && <BudgetBar budget={burn.budget} spent={burn.month_to_date_usd} />}
      {allAgentsNote && (
        <p className="muted small" data-testid="burn-unfiltered">
          Every agent&apos;s spend: the burn ticker is not filtered by agent.
        </p>
      )}
    </section>
  );
}
