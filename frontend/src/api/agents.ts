// The agent table: which agents the server reads, with the label and colour the dashboard shows for each
// (from /api/config `agents`; the server owns the list). A name outside the table, from a store written by
// a newer version or a server that predates the table, is shown as it is in a neutral colour.
import type { AgentInfo, AgentName, ServerConfig } from './types';

/** The colour of an agent the table does not know: the theme's muted text colour. */
export const NEUTRAL_AGENT_COLOR = 'var(--muted)';

const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

function unknownAgent(name: AgentName): AgentInfo {
  return { name, label: name, color: NEUTRAL_AGENT_COLOR };
}

/** One entry as the server sent it, or null when it has no name; a missing label or a bad colour falls back. */
function readAgent(raw: unknown): AgentInfo | null {
  if (!raw || typeof raw !== 'object') return null;
  const { name, label, color, tool_latency } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return null;
  return {
    name,
    label: typeof label === 'string' && label !== '' ? label : name,
    color: typeof color === 'string' && HEX_COLOR.test(color) ? color : NEUTRAL_AGENT_COLOR,
    ...(tool_latency === false ? { tool_latency: false } : {}),
  };
}

/**
 * Which agents the latency panes cover, in words: "" when every agent's calls are timed, else a sentence
 * naming those that are not (their calls are written down only once complete, with no start time).
 */
export function latencyCoverage(table: readonly AgentInfo[]): string {
  const untimed = table.filter((a) => a.tool_latency === false).map((a) => a.label);
  if (untimed.length === 0) return '';
  const timed = table.filter((a) => a.tool_latency !== false).map((a) => a.label);
  const list = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
  return `Covers ${list(timed)}. Not ${list(untimed)}: ${untimed.length === 1 ? 'it writes' : 'they write'} a tool call down only once it is complete, with no start time, so there is no latency to show.`;
}

/**
 * The table from /api/config: its `agents`, first entry of a name wins. A server without `agents` still
 * lists the folders it watches per agent (`roots`): their names, shown raw, keep the filters working.
 */
export function agentTable(config: ServerConfig | null | undefined): AgentInfo[] {
  const out: AgentInfo[] = [];
  const seen = new Set<string>();
  const add = (a: AgentInfo | null) => {
    if (a && !seen.has(a.name)) {
      seen.add(a.name);
      out.push(a);
    }
  };
  if (Array.isArray(config?.agents)) config.agents.forEach((a) => add(readAgent(a)));
  else (config?.roots ?? []).forEach((r) => add(readAgent({ name: r.provider })));
  return out;
}

/** The table's entry for `name`, or the raw name in the neutral colour. */
export function agentInfo(table: readonly AgentInfo[], name: AgentName): AgentInfo {
  return table.find((a) => a.name === name) ?? unknownAgent(name);
}

/**
 * The agent filter's choices: every agent in the table, plus the current filter value when the table
 * lacks it (an old bookmark, a newer store), so the select always shows what the list is filtered by.
 */
export function agentOptions(table: readonly AgentInfo[], current: AgentName): AgentInfo[] {
  if (!current || table.some((a) => a.name === current)) return [...table];
  return [...table, unknownAgent(current)];
}

/** Same agents, labels and colours in the same order (a refetched config then changes nothing). */
export function sameAgents(a: readonly AgentInfo[], b: readonly AgentInfo[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) =>
        x.name === b[i].name && x.label === b[i].label && x.color === b[i].color && x.tool_latency === b[i].tool_latency,
    )
  );
}
