// The Sessions list's agent filter: one choice per agent in the agent table (by label), plus "All agents".
import { agentOptions } from '../api/agents';
import type { AgentName } from '../api/types';
import { useAgents } from '../hooks/useAgents';

export function AgentSelect({ value, onChange }: { value: AgentName; onChange: (name: AgentName) => void }) {
  const agents = useAgents();
  return (
    <select aria-label="Agent" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">All agents</option>
      {agentOptions(agents, value).map((a) => (
        <option key={a.name} value={a.name}>
          {a.label}
        </option>
      ))}
    </select>
  );
}
