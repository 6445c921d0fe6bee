// The agent filter of the Overview, Live and Sessions tabs: one choice per agent in the agent table (by
// label), plus "All agents".
import { agentOptions } from '../api/agents';
import type { AgentName } from '../api/types';
import { useAgents } from '../hooks/useAgents';

export function AgentSelect({
  value,
  onChange,
  testId,
}: {
  value: AgentName;
  onChange: (name: AgentName) => void;
  testId?: string;
}) {
  const agents = useAgents();
  return (
    <select aria-label="Agent" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      <option value="">All agents</option>
      {agentOptions(agents, value).map((a) => (
        <option key={a.name} value={a.name}>
          {a.label}
        </option>
      ))}
    </select>
  );
}
