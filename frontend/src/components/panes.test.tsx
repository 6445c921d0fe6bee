// The Live tab's panes and the shell's pieces, rendered with Testing Library against a LiveStore fed
// the same frames the server sends.
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveStore } from '../api/liveStore';
import type { OverviewDay } from '../api/types';
import { AgentsContext } from '../hooks/useAgents';
import { LiveContext } from '../hooks/useLive';
import { burn, call, inFlight, limitsPayload, result, stats, usage, watcher } from '../test/fixtures';
import { LimitsPane } from './LimitsPane';
import { ConnectionIndicator } from './ConnectionIndicator';
import { BurnTicker } from './BurnTicker';
import { EventFeed } from './EventFeed';
import { NoTranscripts } from './NoTranscripts';
import { SessionsInFlight } from './SessionsInFlight';
import { stackDays } from './StackedBars';
import { Tabs } from './Tabs';
import { ToolLatencyPanel } from './ToolLatencyPanel';
import { WatcherBanner } from './WatcherBanner';

const env = (type: string, payload: unknown) => JSON.stringify({ type, payload, ts: 'x' });

function withStore(ui: React.ReactElement) {
  const store = new LiveStore((f) => f(), 0);
  const utils = render(<LiveContext.Provider value={store}>{ui}</LiveContext.Provider>);
  const send = (type: Parameters<LiveStore['receive']>[0], payload: unknown) => act(() => store.receive(type, env(type, payload)));
  return { store, send, ...utils };
}

afterEach(() => vi.useRealTimers());

describe('LimitsPane', () => {
  it('says where limits come from until a window is reported', () => {
    withStore(<LimitsPane />);
    expect(screen.getByTestId('limits').textContent).toMatch(/No plan limits reported yet/);
  });

  it('shows each window with its use, reset, source and age; an estimate says so', () => {
    vi.useFakeTimers({ now: new Date('2026-12-07T12:00:00Z') });
    const { send } = withStore(<LimitsPane />);
    send('rate_limits', limitsPayload(Date.now()));
    const codex = screen.getByTestId('limit-codex-five_hour');
    expect(within(codex).getByText('5-hour window')).toBeTruthy();
    expect(within(codex).getByTestId('limit-used').textContent).toMatch(/42% used/);
    expect(within(codex).getByTestId('limit-resets').textContent).toMatch(/resets in 1h 30m/);
    expect(within(codex).getByTestId('limit-source').textContent).toBe("from the agent's transcript, reported 2 min ago");
    expect(within(codex).getByRole('meter').getAttribute('aria-valuenow')).toBe('42');
    expect(within(codex).queryByText('estimate')).toBeNull();
    const claude = screen.getByTestId('limit-claude-five_hour');
    expect(claude.getAttribute('data-estimate')).toBe('true');
    expect(within(claude).getByText('estimate')).toBeTruthy();
    expect(within(claude).queryByRole('meter')).toBeNull();  // no cap known: no percentage
    expect(within(claude).getByTestId('limit-block-cost').textContent).toMatch(/\$4\.20 in the block/);
    expect(within(claude).getByTestId('limit-source').textContent).toMatch(/estimated from usage, last activity 1 min ago/);
  });

  it('a window whose reset has passed says it has reset', () => {
    vi.useFakeTimers({ now: new Date('2026-12-07T12:00:00Z') });
    const { send } = withStore(<LimitsPane />);
    const p = limitsPayload(Date.now() - 2 * 3_600_000);  // reported two hours ago, reset 30 min ago
    send('rate_limits', { ...p, limits: p.limits.slice(0, 1) });
    const codex = screen.getByTestId('limit-codex-five_hour');
    expect(within(codex).getByTestId('limit-used').textContent).toMatch(/was 42% used/);
    expect(within(codex).getByTestId('limit-resets').textContent).toMatch(/^reset at/);
  });
});

describe('EventFeed', () => {
  it('shows calls, results and usage events newest first', () => {
    const { send } = withStore(<EventFeed />);
    expect(screen.getByText(/Nothing yet/)).toBeTruthy();
    send('event', usage(1, { model: 'claude-opus-4-5', cost_usd: 0.42 }));
    send('tool_call', call(2, { tool_name: 'Edit', file_path: '/home/a/src/app/main.ts' }));
    send('tool_result', result(2, { tool_name: 'Edit', is_error: true, latency_ms: 1500 }));
    const rows = screen.getAllByRole('listitem');
    expect(rows.map((r) => r.getAttribute('data-key'))).toEqual(['r2', 't2', 'u1']);
    expect(within(rows[0]).getByText(/error/)).toBeTruthy();
    expect(within(rows[1]).getByText('…/app/main.ts')).toBeTruthy();
    expect(within(rows[1]).getByText(/1.5 s/)).toBeTruthy();
    expect(within(rows[2]).getByText('$0.42')).toBeTruthy();
    expect(within(rows[2]).getByText('claude-opus-4-5')).toBeTruthy();
  });

  it('shows unpriced usage as unpriced, not $0', () => {
    const { send } = withStore(<EventFeed />);
    send('event', usage(1, { cost_usd: 0, cost_source: 'unpriced' }));
    expect(screen.getByText('unpriced')).toBeTruthy();
  });

  it('holds still while hovered, counts new rows, and resumes with the "N new" button', () => {
    const { send } = withStore(<EventFeed />);
    send('tool_call', call(1));
    const scroller = screen.getByLabelText('Event stream, newest first');
    fireEvent.mouseEnter(scroller);
    send('tool_call', call(2));
    send('tool_call', call(3));
    expect(screen.getAllByRole('listitem').map((r) => r.getAttribute('data-key'))).toEqual(['t1']);
    const button = screen.getByTestId('new-button');
    expect(button.textContent).toBe('2 new');
    fireEvent.click(button);
    expect(screen.getAllByRole('listitem').map((r) => r.getAttribute('data-key'))).toEqual(['t3', 't2', 't1']);
    expect(screen.queryByTestId('new-button')).toBeNull();
  });

  it('a row on hold still shows its result landing', () => {
    const { send } = withStore(<EventFeed />);
    send('tool_call', call(1));
    fireEvent.mouseEnter(screen.getByLabelText('Event stream, newest first'));
    send('tool_result', result(1, { latency_ms: 321 }));
    expect(screen.getByText(/321 ms/)).toBeTruthy();
    expect(screen.getByTestId('new-button').textContent).toBe('1 new');
  });
});

describe('BurnTicker', () => {
  it('shows the rate, today, projection and a budget bar with its status', () => {
    const { send } = withStore(<BurnTicker />);
    expect(screen.getByText(/Waiting for the first burn tick/)).toBeTruthy();
    send('burn_tick', burn({ usd_per_min: 0.5, usd_per_hour: 30, budget: { budget_usd: 300, used_fraction: 0.83, projected_fraction: 1.03, status: 'warning' } }));
    expect(screen.getByTestId('burn-per-min').textContent).toBe('$0.50/min');
    expect(screen.getByText('$12.50')).toBeTruthy();
    expect(screen.getByText('$310.00')).toBeTruthy();
    const budget = screen.getByTestId('budget');
    expect(budget.className).toContain('budget--warning');
    expect(within(budget).getByRole('meter').getAttribute('aria-valuenow')).toBe('83');
  });
});

describe('WatcherBanner', () => {
  it('is hidden while the watcher runs and explains a stopped one', () => {
    const { send } = withStore(<WatcherBanner />);
    send('watcher', watcher());
    expect(screen.queryByTestId('watcher-banner')).toBeNull();
    send('watcher', watcher({ state: 'stopped', source: 'heartbeat', reason: 'heartbeat stale: last wrote 9 s ago' }));
    const b = screen.getByTestId('watcher-banner');
    expect(b.textContent).toContain('heartbeat stale');
    expect(b.textContent).toContain('agentpulse ingest --follow');
    send('watcher', watcher({ state: 'unknown', source: 'none', reason: 'no heartbeat table' }));
    expect(screen.getByTestId('watcher-banner').textContent).toContain('No watcher is writing this store');
  });
});

describe('ToolLatencyPanel', () => {
  it('shows P95, the sparkline, what is measured, and P50/P99/samples/errors on hover', () => {
    const { store } = withStore(<ToolLatencyPanel />);
    act(() => store.applySnapshot(stats()));
    const row = screen.getByTestId('latency-Bash');
    expect(within(row).getByTitle('P95').textContent).toBe('2.4 s');
    expect(row.querySelector('svg.sparkline path')).toBeTruthy();
    const tip = within(row).getByRole('tooltip', { hidden: true });
    expect(tip.textContent).toContain('300 ms');
    expect(tip.textContent).toContain('9.0 s');
    expect(tip.textContent).toContain('40');
    expect(tip.textContent).toContain('5%');
    expect(screen.getByTestId('latency-measures').textContent).toMatch(/wall time/);
    expect(screen.queryByTestId('latency-coverage')).toBeNull();  // no agent table: nothing to qualify
  });

  it('names the agents whose tool calls have no latency', () => {
    const table = [
      { name: 'claude', label: 'Claude Code', color: '#d97757' },
      { name: 'gemini', label: 'Gemini CLI', color: '#4285f4', tool_latency: false },
    ];
    withStore(
      <AgentsContext.Provider value={table}>
        <ToolLatencyPanel />
      </AgentsContext.Provider>,
    );
    expect(screen.getByTestId('latency-coverage').textContent).toMatch(/^Covers Claude Code\. Not Gemini CLI: it writes/);
  });
});

describe('SessionsInFlight', () => {
  it('ticks the running tool elapsed time and drops idle sessions', () => {
    vi.useFakeTimers();
    const { send } = withStore(<SessionsInFlight />);
    send('sessions', {
      sessions: [inFlight(1), inFlight(2, { last_activity: new Date(Date.now() - 3600_000).toISOString() })],
      idle_after_s: 600,
      as_of: new Date().toISOString(),
    });
    expect(screen.getByText('proj1')).toBeTruthy();
    expect(screen.queryByText('proj2')).toBeNull();
    const before = screen.getByTestId('elapsed').textContent;
    expect(before).toBe('0:42');
    act(() => {
      vi.advanceTimersByTime(3000);
    });
    expect(screen.getByTestId('elapsed').textContent).toBe('0:45');
  });
});

describe('ConnectionIndicator', () => {
  it('says live, reconnecting and resynced', () => {
    const { store } = withStore(<ConnectionIndicator />);
    expect(screen.getByTestId('connection').textContent).toContain('Connecting');
    act(() => store.setConnection('live'));
    expect(screen.getByTestId('connection').textContent).toContain('Live');
    act(() => store.setConnection('reconnecting'));
    expect(screen.getByTestId('connection').textContent).toContain('Reconnecting');
    act(() => store.setConnection('resynced'));
    expect(screen.getByTestId('connection').textContent).toContain('Resynced');
  });
});

describe('Tabs', () => {
  it('are keyboard navigable: one tab stop, arrows move and open', () => {
    window.history.replaceState(null, '', '/');
    render(<Tabs current="overview" />);
    const tabs = screen.getAllByRole('tab');
    expect(tabs.map((t) => t.textContent)).toEqual(['Overview', 'Live', 'Sessions']);
    expect(tabs.map((t) => t.tabIndex)).toEqual([0, -1, -1]);
    expect(tabs[0].getAttribute('aria-selected')).toBe('true');
    tabs[0].focus();
    fireEvent.keyDown(tabs[0], { key: 'ArrowRight' });
    expect(document.activeElement).toBe(tabs[1]);
    expect(window.location.pathname).toBe('/live');
    fireEvent.keyDown(tabs[1], { key: 'End' });
    expect(window.location.pathname).toBe('/sessions');
    fireEvent.keyDown(tabs[2], { key: 'ArrowRight' });
    expect(window.location.pathname).toBe('/');
  });
});

describe('NoTranscripts', () => {
  it('says where agentpulse looked and how to point it elsewhere', () => {
    render(
      <NoTranscripts
        config={{
          version: '0.1.0',
          demo: false,
          watcher_mode: 'embedded',
          store: '/tmp/s.db',
          budget_usd: null,
          token_required: false,
          has_activity: false,
          transcript_files: [],
          roots: [
            { provider: 'claude', path: '/home/me/.claude/projects', exists: false, flag: '--claude-projects', env: 'AGENTPULSE_CLAUDE_PROJECTS', default: '~/.claude/projects', files: 0, bytes: 0 },
            { provider: 'codex', path: '/home/me/.codex/sessions', exists: true, flag: '--codex-sessions', env: 'AGENTPULSE_CODEX_SESSIONS', default: '~/.codex/sessions', files: 0, bytes: 0 },
          ],
        }}
      />,
    );
    const t = screen.getByTestId('empty-state').textContent!;
    expect(t).toContain('/home/me/.claude/projects');
    expect(t).toContain('does not exist');
    expect(t).toContain('--claude-projects DIR');
    expect(t).toContain('AGENTPULSE_CODEX_SESSIONS=DIR');
    expect(t).toContain('agentpulse serve --demo');
  });
});

describe('stackDays', () => {
  it('gives the top models their own series and adds the rest up as other', () => {
    const day = (date: string, by_model: Record<string, number>): OverviewDay => ({
      date,
      start: '',
      by_model,
      by_project: {},
      cost_usd: Object.values(by_model).reduce((a, b) => a + b, 0),
      events: 1,
      unpriced_events: 0,
      tokens: { input: 0, output: 0, cache_read: 0, cache_create: 0, cache_create_1h: 0, reasoning: 0 },
      total_tokens: 0,
    });
    const s = stackDays([day('2026-11-24', { a: 5, b: 1, c: 0.5 }), day('2026-11-25', { a: 1, d: 3 })], 'by_model', 2);
    expect(s.series.map((x) => x.name)).toEqual(['a', 'd', 'other']);
    expect(s.values).toEqual([
      [5, 0, 1.5],
      [1, 3, 0],
    ]);
    expect(s.max).toBe(6.5);
  });
});
