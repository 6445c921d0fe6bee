// The agent table in the components: chips show the label in the agent's colour (the raw name, neutral,
// for an agent the table lacks), the Sessions filter offers the table's agents, the empty state names them.
import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { NEUTRAL_AGENT_COLOR } from '../api/agents';
import type { AgentInfo } from '../api/types';
import { AgentsContext } from '../hooks/useAgents';
import { AgentChip } from './AgentChip';
import { AgentSelect } from './AgentSelect';
import { agentList } from './NoTranscripts';

const agents: AgentInfo[] = [
  { name: 'claude', label: 'Claude Code', color: '#d97757' },
  { name: 'codex', label: 'Codex CLI', color: '#10a37f' },
];
const withAgents = (ui: React.ReactElement, table: AgentInfo[] = agents) =>
  render(<AgentsContext.Provider value={table}>{ui}</AgentsContext.Provider>);

describe('AgentChip', () => {
  it("shows the agent's label in its colour", () => {
    withAgents(<AgentChip name="codex" />);
    const chip = screen.getByText('Codex CLI');
    expect(chip.style.getPropertyValue('--agent')).toBe('#10a37f');
    expect(chip.getAttribute('title')).toBe('codex');
  });

  it('other text (a model) keeps the label as its tooltip', () => {
    withAgents(<AgentChip name="claude">claude-opus-4-5</AgentChip>);
    expect(screen.getByText('claude-opus-4-5').getAttribute('title')).toBe('Claude Code');
  });

  it('an agent the table lacks shows its raw name in the neutral colour', () => {
    withAgents(<AgentChip name="gemini" />);
    expect(screen.getByText('gemini').style.getPropertyValue('--agent')).toBe(NEUTRAL_AGENT_COLOR);
  });

  it('without a table (no provider) every name is raw', () => {
    render(<AgentChip name="claude" />);
    expect(screen.getByText('claude')).toBeTruthy();
  });
});

describe('AgentSelect', () => {
  it("offers All agents and each agent by label, and reports the agent's name", () => {
    const onChange = vi.fn();
    withAgents(<AgentSelect value="" onChange={onChange} />);
    const select = screen.getByLabelText('Agent') as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => [o.value, o.textContent])).toEqual([
      ['', 'All agents'],
      ['claude', 'Claude Code'],
      ['codex', 'Codex CLI'],
    ]);
    fireEvent.change(select, { target: { value: 'codex' } });
    expect(onChange).toHaveBeenCalledWith('codex');
  });

  it('keeps showing a filter the table does not list', () => {
    withAgents(<AgentSelect value="gemini" onChange={() => {}} />);
    const select = screen.getByLabelText('Agent') as HTMLSelectElement;
    expect(select.value).toBe('gemini');
    expect(select.options).toHaveLength(4);
  });
});

describe('agentList', () => {
  it('joins the labels as a sentence', () => {
    expect(agentList(['Claude Code', 'Codex CLI'])).toBe('Claude Code and Codex CLI');
    expect(agentList(['A', 'B', 'C'])).toBe('A, B and C');
    expect(agentList(['A'])).toBe('A');
  });
});
