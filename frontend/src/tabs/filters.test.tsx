// The Overview and Live tabs' agent filter: kept in the address, sent to /api/overview, applied in the
// browser to the Live tab's feed and sessions in flight; the panes it cannot filter say so. The Overview's
// "Spend by agent" card shows each agent's label in its colour when more than one agent has spend.
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveStore } from '../api/liveStore';
import type { AgentInfo, Overview, UsageSum } from '../api/types';
import { AgentsContext } from '../hooks/useAgents';
import { LiveContext } from '../hooks/useLive';
import { burn, call, inFlight, result, stats, usage } from '../test/fixtures';
import { LiveTab } from './LiveTab';
import { OverviewTab, agentsWithSpend } from './OverviewTab';

const agents: AgentInfo[] = [
  { name: 'claude', label: 'Claude Code', color: '#d97757' },
  { name: 'codex', label: 'Codex CLI', color: '#10a37f' },
  { name: 'qwen', label: 'Qwen Code', color: '#615ced' },
];

function sum(cost: number, events = 1): UsageSum {
  const tokens = { input: 10, output: 5, cache_read: 0, cache_create: 0, cache_create_5m: 0, cache_create_1h: 0, reasoning: 0 };
  return { cost_usd: cost, events, unpriced_events: 0, estimated_events: 0, tokens, total_tokens: 15 };
}

function overview(provider: string, spend: Record<string, number>): Overview {
  const total = Object.values(spend).reduce((a, b) => a + b, 0);
  return {
    tz: 'UTC',
    provider,
    as_of: '2026-11-25T12:00:00.000Z',
    range: { days: 30, from: '', to: '' },
    days: [],
    models: [],
    projects: [],
    agents: Object.entries(spend).map(([p, c]) => ({ ...sum(c), provider: p, share: total ? c / total : 0 })),
    totals: sum(total, 3),
    token_mix: { input: 0, output: 0, cache_read: 0, cache_create_5m: 0, cache_create_1h: 0, reasoning: 0 },
    cache_savings: null,
    burn: burn({ today_usd: total }),
    empty: false,
  } as Overview;
}

let urls: string[] = [];
let answer: (url: URL) => unknown = () => ({});

beforeEach(() => {
  urls = [];
  window.history.replaceState(null, '', '/');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (u: string) => {
      urls.push(u);
      const url = new URL(u, 'http://x');
      return { ok: true, status: 200, text: async () => JSON.stringify(answer(url)) } as Response;
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

// The App provides the one live store to every tab (the Overview's limits pane reads it).
const overviewStore = new LiveStore((f) => f(), 0);
const withAgents = (ui: React.ReactElement) => (
  <AgentsContext.Provider value={agents}>
    <LiveContext.Provider value={overviewStore}>{ui}</LiveContext.Provider>
  </AgentsContext.Provider>
);

describe('Overview agent filter', () => {
  it('lists only agents with spend', () => {
    expect(agentsWithSpend(undefined)).toEqual([]);
    expect(agentsWithSpend(overview('', { claude: 2, codex: 0 }).agents).map((a) => a.provider)).toEqual(['claude']);
  });

  it('shows spend by agent with labels in their colours, and filters through the address', async () => {
    answer = (url) =>
      url.searchParams.get('provider') === 'codex' ? overview('codex', { codex: 4 }) : overview('', { codex: 4, claude: 3.5, qwen: 0 });
    const { rerender } = render(withAgents(<OverviewTab tz="UTC" config={null} search={new URLSearchParams('')} />));
    const card = await screen.findByTestId('spend-by-agent');
    const rows = within(card).getAllByRole('listitem');
    expect(rows).toHaveLength(2);  // qwen has no spend
    const chip = within(rows[0]).getByText('Codex CLI');
    expect(chip.style.getPropertyValue('--agent')).toBe('#10a37f');
    expect(within(rows[1]).getByText('Claude Code')).toBeTruthy();
    expect((rows[0].querySelector('.ranked__bar div') as HTMLElement).style.background).toBe('rgb(16, 163, 127)');
    expect(urls[0]).not.toContain('provider');

    fireEvent.change(screen.getByTestId('overview-agent'), { target: { value: 'codex' } });
    expect(window.location.pathname + window.location.search).toBe('/?provider=codex');
    rerender(withAgents(<OverviewTab tz="UTC" config={null} search={new URLSearchParams('provider=codex')} />));
    await waitFor(() => expect(screen.queryByTestId('spend-by-agent')).toBeNull());
    expect(urls[urls.length - 1]).toContain('provider=codex');
    expect(screen.getByTestId('overview-filter-note').textContent).toContain('Codex CLI');
    expect((screen.getByTestId('overview-agent') as HTMLSelectElement).value).toBe('codex');
    expect(screen.getByTestId('overview-total').textContent).toContain('$4.00');

    fireEvent.change(screen.getByTestId('overview-agent'), { target: { value: '' } });
    expect(window.location.pathname + window.location.search).toBe('/');
  });

  it("an unknown agent in the address shows the server's refusal and keeps the filter to undo it", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => ({ ok: false, status: 400, text: async () => '{"error":{"status":400,"message":"provider must be one of claude, codex"}}' }) as Response),
    );
    render(withAgents(<OverviewTab tz="UTC" config={null} search={new URLSearchParams('provider=amp')} />));
    expect((await screen.findByRole('alert')).textContent).toContain('provider must be one of');
    expect((screen.getByTestId('overview-agent') as HTMLSelectElement).value).toBe('amp');
  });
});

describe('Live agent filter', () => {
  const env = (type: string, payload: unknown) => JSON.stringify({ type, payload, ts: 'x' });
  function live(search: string) {
    const store = new LiveStore((f) => f(), 0);
    const ui = (s: string) => withAgents(<LiveContext.Provider value={store}>{<LiveTab search={new URLSearchParams(s)} />}</LiveContext.Provider>);
    const utils = render(ui(search));
    const send = (type: Parameters<LiveStore['receive']>[0], payload: unknown) => act(() => store.receive(type, env(type, payload)));
    return { store, send, rerender: (s: string) => utils.rerender(ui(s)) };
  }
  const keys = () => within(screen.getByTestId('feed')).queryAllByRole('listitem').map((r) => r.getAttribute('data-key'));

  it("shows one agent's feed rows and sessions in flight, and says which panes are every agent's", () => {
    const { store, send, rerender } = live('');
    send('event', usage(1, { provider: 'claude' }));
    send('tool_call', call(2, { provider: 'codex' }));
    send('tool_result', result(2, { provider: 'codex' }));
    send('tool_result', result(3, { provider: 'qwen' }));
    send('event', usage(4, { provider: 'codex', model: 'gpt-5' }));
    send('sessions', { idle_after_s: 600, sessions: [inFlight(1), inFlight(2, { provider: 'codex', project: 'infra', model: 'gpt-5' })] });
    send('burn_tick', burn());
    act(() => store.applySnapshot(stats()));
    expect(keys()).toEqual(['u4', 'r3', 'r2', 't2', 'u1']);
    // Every row shows its agent: a call's project carries the agent's dot and label.
    const callRow = screen.getByTestId('feed').querySelector('[data-key="t2"]') as HTMLElement;
    const project = callRow.querySelector('[data-agent]') as HTMLElement;
    expect(project.getAttribute('data-agent')).toBe('codex');
    expect(project.getAttribute('title')).toBe('Codex CLI');
    expect(project.style.getPropertyValue('--agent')).toBe('#10a37f');
    expect(screen.queryByTestId('live-filter-note')).toBeNull();
    expect(screen.queryByTestId('latency-unfiltered')).toBeNull();
    const inflight = screen.getByTestId('inflight');
    expect(within(inflight).getAllByRole('row')).toHaveLength(3);  // header + 2
    expect(within(inflight).getByText('gpt-5').getAttribute('title')).toBe('Codex CLI');

    fireEvent.change(screen.getByTestId('live-agent'), { target: { value: 'codex' } });
    expect(window.location.pathname + window.location.search).toBe('/live?provider=codex');
    rerender('provider=codex');
    expect(keys()).toEqual(['u4', 'r2', 't2']);
    expect(screen.getByTestId('feed-count').textContent).toContain('3 of the last 5 rows');
    expect(within(inflight).getAllByRole('row')).toHaveLength(2);
    expect(within(inflight).getByText('infra')).toBeTruthy();
    expect(screen.getByTestId('live-filter-note').textContent).toContain('Codex CLI only');
    expect(screen.getByTestId('latency-unfiltered')).toBeTruthy();
    expect(screen.getByTestId('burn-unfiltered')).toBeTruthy();

    // New rows of other agents do not show; the filter's own do.
    send('tool_call', call(5, { provider: 'claude' }));
    send('tool_call', call(6, { provider: 'codex' }));
    expect(keys()).toEqual(['t6', 'u4', 'r2', 't2']);

    rerender('provider=gemini');
    expect(keys()).toEqual([]);
    expect(screen.getByText(/None of the last rows came from this agent/)).toBeTruthy();
    expect(within(screen.getByTestId('inflight')).getByText(/This agent has written nothing/)).toBeTruthy();

    rerender('');
    expect(keys()).toEqual(['t6', 't5', 'u4', 'r3', 'r2', 't2', 'u1']);
  });

  it('does not re-filter the feed when nothing in it changed', () => {
    const { store, send, rerender } = live('provider=codex');
    send('tool_call', call(1, { provider: 'codex' }));
    const before = store.getState().feed;
    const filterSpy = vi.spyOn(Array.prototype, 'filter');
    rerender('provider=codex');
    const feedFilters = filterSpy.mock.contexts.filter((c) => c === before).length;
    filterSpy.mockRestore();
    expect(feedFilters).toBe(0);
  });
});
