// An agent as a chip: a dot in the agent's colour and its label (or other text, e.g. the model a usage
// event came from, with the agent's label as its tooltip). Names and colours come from the agent table.
import type { ReactNode } from 'react';
import type { AgentName } from '../api/types';
import { useAgent } from '../hooks/useAgents';

export function AgentChip({ name, small, children }: { name: AgentName; small?: boolean; children?: ReactNode }) {
  const agent = useAgent(name);
  return (
    <span
      className={small ? 'chip chip--agent small' : 'chip chip--agent'}
      style={{ '--agent': agent.color } as React.CSSProperties}
      title={children === undefined ? agent.name : agent.label}
      data-agent={agent.name}
    >
      {children ?? agent.label}
    </span>
  );
}
