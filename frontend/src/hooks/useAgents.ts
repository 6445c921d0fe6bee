// The agent table for every component, through context: the shell builds it from the one /api/config
// fetch it already makes (useConfig) and keeps the same array while a refetch brings the same agents, so
// the chips do not re-render every minute. Without a provider (unit tests) the table is empty: raw names.
import { createContext, useContext, useRef } from 'react';
import { agentInfo, agentTable, sameAgents } from '../api/agents';
import type { AgentInfo, AgentName, ServerConfig } from '../api/types';

export const AgentsContext = createContext<readonly AgentInfo[]>([]);

/** The shell's side: the table for this config, the previous array when nothing in it changed. */
export function useAgentTable(config: ServerConfig | null): readonly AgentInfo[] {
  const last = useRef<readonly AgentInfo[]>([]);
  const next = agentTable(config);
  if (!sameAgents(last.current, next)) last.current = next;
  return last.current;
}

export function useAgents(): readonly AgentInfo[] {
  return useContext(AgentsContext);
}

export function useAgent(name: AgentName): AgentInfo {
  return agentInfo(useContext(AgentsContext), name);
}
