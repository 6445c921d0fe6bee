// Overview: today, month to date and projection; daily cost for the last 30 days stacked by model; spend
// by agent; top projects and models; token mix and the money cache saved. From /api/overview (days in
// the browser's time zone), refreshed every 30 s. The agent filter (`?provider=`, in the address like
// the Sessions tab's) restricts every figure to one agent: the server sums that agent's rows only. The
// download buttons save the days shown (and their totals) as CSV or JSON.
import { LimitsPane } from '../components/LimitsPane';
import { agentInfo } from '../api/agents';
import { agentParam, withAgentParam } from '../api/agentFilter';
import type { AgentSpendRow, ServerConfig } from '../api/types';
import { AgentChip } from '../components/AgentChip';
import { AgentSelect } from '../components/AgentSelect';
import { NoTranscripts } from '../components/NoTranscripts';
import { RankedList } from '../components/RankedList';
import { StackedBars } from '../components/StackedBars';
import { Stat } from '../components/Stat';
import { TokenMix } from '../components/TokenMix';
import { BudgetBar } from '../components/BudgetBar';
import { DownloadButtons } from '../components/DownloadButtons';
import { overviewExport } from '../api/exportData';
import { useAgents } from '../hooks/useAgents';
import { useOverview } from '../hooks/useReports';
import { navigate } from '../hooks/useRoute';
import { formatRate, formatTokens, formatUsd } from '../format';

/** The agents with spend in the period, costliest first (the server's order). */
export function agentsWithSpend(rows: AgentSpendRow[] | undefined): AgentSpendRow[] {
  return (rows ?? []).filter((a) => a.cost_usd > 0);
}

export function OverviewTab({ tz, config, search }: { tz: string; config: ServerConfig | null; search: URLSearchParams }) {
  const provider = agentParam(search);
  const machine = search.get('machine') ?? '';
  const { data, error, loading } = useOverview(tz, provider, machine);
  const agents = useAgents();
  const label = provider ? agentInfo(agents, provider).label : '';
  // The machine filter, once there is more than one machine to choose from (or one is chosen).
  const machineNames = [...new Set([...(data?.machines ?? []).map((m) => m.machine), ...(machine ? [machine] : [])])].sort();
  const current = (data?.provider ?? '') === provider && (data?.machine ?? '') === machine;
  const withMachine = (m: string) => {
    const p = new URLSearchParams(search);
    if (m) p.set('machine', m);
    else p.delete('machine');
    const s = p.toString();
    return s ? `/?${s}` : '/';
  };
  const filter = (
    <div className="toolbar" data-testid="overview-toolbar">
      <AgentSelect value={provider} onChange={(p) => navigate(withAgentParam('/', search, p))} testId="overview-agent" />
      {(machineNames.length > 1 || machine) && (
        <select aria-label="Machine" data-testid="overview-machine" value={machine} onChange={(e) => navigate(withMachine(e.target.value))}>
          <option value="">All machines</option>
          {machineNames.map((m) => (
            <option key={m} value={m}>
              {m || '(unknown machine)'}
            </option>
          ))}
        </select>
      )}
      {provider && <span className="muted small" data-testid="overview-filter-note">Every figure below is {label}&apos;s alone.</span>}
      {machine && <span className="muted small" data-testid="overview-machine-note">Every figure below is from {machine} alone.</span>}
      {loading && data && !current && <span className="muted small">Loading…</span>}
      {data && !data.empty && current && (
        <DownloadButtons testId="overview-download" file={() => overviewExport(data)} />
      )}
    </div>
  );
  if (error && !data)
    return (
      <>
        {filter}
        <p className="error-text" role="alert">Could not load the overview: {error}</p>
      </>
    );
  if (!data) return <p className="muted">{loading ? 'Loading…' : ''}</p>;
  if (data.empty) return <NoTranscripts config={config} />;
  const b = data.burn;
  const spenders = agentsWithSpend(data.agents);
  return (
    <>
      {filter}
      {error && <p className="error-text" role="alert">Could not load the overview: {error}</p>}
      <div className="grid" data-testid="overview">
        <section className="card span-all" aria-label="Spend">
          <div className="stats-row">
            <Stat label="Today" value={formatUsd(b.today_usd)} hint={b.local_date} testId="overview-today" />
            <Stat label="Month to date" value={formatUsd(b.month_to_date_usd)} />
            <Stat label="Projected month end" value={formatUsd(b.projected_month_usd)} hint="linear from this month so far" />
            <Stat label="Burn now" value={formatRate(b.usd_per_hour, 'hour')} hint={`last ${Math.round(b.window_s / 60)} minutes`} />
            <Stat
              label="Last 30 days"
              value={formatUsd(data.totals.cost_usd)}
              hint={`${formatTokens(data.totals.total_tokens)} tokens, ${data.totals.events} responses`}
              testId="overview-total"
            />
          </div>
          {b.budget && <BudgetBar budget={b.budget} spent={b.month_to_date_usd} />}
          {b.budget && provider && (
            <p className="muted small" data-testid="budget-agent-note">
              The budget is for every agent together: the bar shows {label}&apos;s spend against it.
            </p>
          )}
          {data.totals.unpriced_events > 0 && (
            <p className="muted small">
              {data.totals.unpriced_events} responses came from models the price card does not know: they are counted as unpriced, not as $0.
            </p>
          )}
          {(data.totals.estimated_events ?? 0) > 0 && (
            <p className="muted small" data-testid="estimated-note">
              {data.totals.estimated_events} responses come from transcripts that never name their model (early Codex CLI
              rollouts): their cost is an estimate, priced as the model the price card names for them.
            </p>
          )}
        </section>
        <LimitsPane testId="overview-limits" />
        <section className="card span-all" aria-labelledby="daily-h">
          <h2 id="daily-h">Daily cost, last 30 days, by model</h2>
          <StackedBars days={data.days} by="by_model" />
        </section>
        {spenders.length > 1 && (
          <section className="card span-all" aria-labelledby="agents-h">
            <h2 id="agents-h">Spend by agent, last 30 days</h2>
            <RankedList
              testId="spend-by-agent"
              items={spenders.map((a) => ({
                ...a,
                name: a.provider,
                label: <AgentChip name={a.provider} />,
                color: agentInfo(agents, a.provider).color,
              }))}
            />
          </section>
        )}
        {(data.machines ?? []).length > 1 && (
          <section className="card span-all" aria-labelledby="machines-h">
            <h2 id="machines-h">Spend by machine, last 30 days</h2>
            <RankedList
              testId="spend-by-machine"
              items={(data.machines ?? []).map((m) => ({ ...m, name: m.machine || '(unknown machine)' }))}
            />
          </section>
        )}
        <section className="card" aria-labelledby="projects-h">
          <h2 id="projects-h">Top projects</h2>
          <RankedList testId="top-projects" items={data.projects.map((p) => ({ ...p, name: p.project }))} />
        </section>
        <section className="card" aria-labelledby="models-h">
          <h2 id="models-h">Top models</h2>
          <RankedList testId="top-models" items={data.models.map((m) => ({ ...m, name: m.model, sub: agentInfo(agents, m.provider).label }))} />
        </section>
        <section className="card span-all" aria-labelledby="mix-h">
          <h2 id="mix-h">Token mix, last 30 days</h2>
          <TokenMix mix={data.token_mix} savings={data.cache_savings} />
        </section>
      </div>
    </>
  );
}
