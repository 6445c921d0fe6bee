// Live: the event stream, burn ticker, plan limits, tool latency and sessions in flight, all from the one stream. The
// agent filter (`?provider=`, in the address) is applied in the browser, at render, to the panes whose
// data name their agent: the feed and the sessions in flight. The burn ticker and the tool latency pane
// come from server-side sums over every agent (their frames carry no agent): they say so while a filter
// is on rather than show every agent's figures as one agent's.
import { agentInfo } from '../api/agents';
import { agentParam, withAgentParam } from '../api/agentFilter';
import { AgentSelect } from '../components/AgentSelect';
import { BurnTicker } from '../components/BurnTicker';
import { EventFeed } from '../components/EventFeed';
import { AlertsPane } from '../components/AlertsPane';
import { LimitsPane } from '../components/LimitsPane';
import { SessionsInFlight } from '../components/SessionsInFlight';
import { ToolLatencyPanel } from '../components/ToolLatencyPanel';
import { useAgents } from '../hooks/useAgents';
import { navigate } from '../hooks/useRoute';

export function LiveTab({ search = new URLSearchParams() }: { search?: URLSearchParams }) {
  const provider = agentParam(search);
  const agents = useAgents();
  const label = provider ? agentInfo(agents, provider).label : '';
  return (
    <>
      <div className="toolbar" data-testid="live-toolbar">
        <AgentSelect value={provider} onChange={(p) => navigate(withAgentParam('/live', search, p))} testId="live-agent" />
        {provider && (
          <span className="muted small" data-testid="live-filter-note">
            Event stream and sessions in flight: {label} only. Burn and tool latency: every agent (the server sums them for all agents).
          </span>
        )}
      </div>
      <div className="live" data-testid="live">
        <div className="live__main">
          <EventFeed provider={provider} />
        </div>
        <div className="live__side">
          <BurnTicker allAgentsNote={Boolean(provider)} />
          <LimitsPane />
          <AlertsPane />
          <SessionsInFlight provider={provider} />
          <ToolLatencyPanel allAgentsNote={Boolean(provider)} />
        </div>
      </div>
    </>
  );
}
