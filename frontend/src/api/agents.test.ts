// The agent table read from /api/config: labels and colours by name, the fallbacks for a server without
// the table and for names it does not list, and the agent filter's choices.
import { describe, expect, it } from 'vitest';
import { agentInfo, agentOptions, agentTable, latencyCoverage, NEUTRAL_AGENT_COLOR, sameAgents } from './agents';
import type { ServerConfig } from './types';

const base: ServerConfig = {
  version: '0.1.0',
  demo: false,
  watcher_mode: 'embedded',
  store: '/tmp/s.db',
  budget_usd: null,
  token_required: false,
  has_activity: true,
  roots: [
    { provider: 'claude', path: '/a', exists: true, flag: '--claude-projects', env: 'E1', default: '~/a', files: 1, bytes: 1 },
    { provider: 'codex', path: '/b', exists: true, flag: '--codex-sessions', env: 'E2', default: '~/b', files: 1, bytes: 1 },
  ],
  transcript_files: [],
};
const agents = [
  { name: 'claude', label: 'Claude Code', color: '#d97757' },
  { name: 'codex', label: 'Codex CLI', color: '#10a37f' },
];

describe('agentTable', () => {
  it('takes the server table as it is', () => {
    expect(agentTable({ ...base, agents })).toEqual(agents);
  });

  it('without one (an older server) lists the watched agents by their raw names, neutral', () => {
    expect(agentTable(base)).toEqual([
      { name: 'claude', label: 'claude', color: NEUTRAL_AGENT_COLOR },
      { name: 'codex', label: 'codex', color: NEUTRAL_AGENT_COLOR },
    ]);
    expect(agentTable(null)).toEqual([]);
  });

  it('repairs what it cannot use: no label, a colour that is not one, no name, a repeated name', () => {
    const odd = [
      { name: 'gemini', label: '', color: 'red; background: url(x)' },
      { label: 'nameless', color: '#fff' },
      { name: 'gemini', label: 'Second', color: '#123456' },
    ] as unknown as ServerConfig['agents'];
    expect(agentTable({ ...base, agents: odd })).toEqual([{ name: 'gemini', label: 'gemini', color: NEUTRAL_AGENT_COLOR }]);
  });
});

describe('agentInfo', () => {
  it('finds an agent by name, and shows a name it does not know raw in the neutral colour', () => {
    expect(agentInfo(agents, 'codex')).toEqual(agents[1]);
    expect(agentInfo(agents, 'gemini')).toEqual({ name: 'gemini', label: 'gemini', color: NEUTRAL_AGENT_COLOR });
    expect(agentInfo([], 'claude').label).toBe('claude');
  });
});

describe('agentOptions', () => {
  it('offers every agent, and the current filter when the table lacks it', () => {
    expect(agentOptions(agents, '').map((a) => a.name)).toEqual(['claude', 'codex']);
    expect(agentOptions(agents, 'codex').map((a) => a.name)).toEqual(['claude', 'codex']);
    expect(agentOptions(agents, 'gemini').map((a) => a.label)).toEqual(['Claude Code', 'Codex CLI', 'gemini']);
  });
});

describe('sameAgents', () => {
  it('compares names, labels and colours in order', () => {
    expect(sameAgents(agents, agents.map((a) => ({ ...a })))).toBe(true);
    expect(sameAgents(agents, [agents[1], agents[0]])).toBe(false);
    expect(sameAgents(agents, [agents[0], { ...agents[1], color: '#000000' }])).toBe(false);
  });
});

describe('latencyCoverage', () => {
  it('says nothing when every agent is timed, and names the agents without a latency otherwise', () => {
    expect(latencyCoverage(agentTable({ ...base, agents }))).toBe('');
    const table = agentTable({
      ...base,
      agents: [...agents, { name: 'gemini', label: 'Gemini CLI', color: '#4285f4', tool_latency: false }],
    });
    expect(table[2].tool_latency).toBe(false);
    expect(latencyCoverage(table)).toBe(
      'Covers Claude Code and Codex CLI. Not Gemini CLI: it writes a tool call down only once it is complete, with no start time, so there is no latency to show.',
    );
    expect(sameAgents(table, agentTable({ ...base, agents: [...agents, { name: 'gemini', label: 'Gemini CLI', color: '#4285f4' }] }))).toBe(false);
  });
});
