// The header's search box: asks /api/search with what was typed (debounced, one request for a burst of
// keys), lists the hits with their agent, project, kind and marked snippet, links each to
// /sessions/<row>?message=<id>, navigates in place on click, and shows the server's error message.
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SearchAnswer, SearchHit } from '../api/search';
import { hitHref } from '../api/search';
import type { AgentInfo } from '../api/types';
import { AgentsContext } from '../hooks/useAgents';
import { SearchBox } from './SearchBox';

const agents: AgentInfo[] = [
  { name: 'claude', label: 'Claude Code', color: '#d97757' },
  { name: 'codex', label: 'Codex CLI', color: '#10a37f' },
];

function hit(over: Partial<SearchHit>): SearchHit {
  return {
    session_id: 7,
    message_id: 42,
    call_id: null,
    ts: '2026-11-20T10:00:00.000Z',
    kind: 'prompt',
    tool: null,
    snippet: 'fix billing.py please',
    snippet_parts: [
      { text: 'fix ', match: false },
      { text: 'billing', match: true },
      { text: '.py please', match: false },
    ],
    agent: 'claude',
    project: 'shop',
    model: 'claude-sonnet-4-5',
    agent_session_id: 'abc',
    started_at: '2026-11-20T09:00:00.000Z',
    last_at: '2026-11-20T11:00:00.000Z',
    ...over,
  };
}

let urls: string[] = [];
let answer: (url: URL) => { status: number; body: unknown } = () => ({ status: 200, body: {} });

beforeEach(() => {
  urls = [];
  window.history.replaceState(null, '', '/');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (u: string) => {
      urls.push(u);
      const { status, body } = answer(new URL(u, 'http://x'));
      return { ok: status < 400, status, text: async () => JSON.stringify(body) } as Response;
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

function renderBox() {
  return render(
    <AgentsContext.Provider value={agents}>
      <SearchBox tz="UTC" debounceMs={10} />
    </AgentsContext.Provider>,
  );
}

function answerWith(hits: SearchHit[], extra: Partial<SearchAnswer> = {}) {
  answer = (url) => ({
    status: 200,
    body: { query: url.searchParams.get('q'), fts_query: '', hits, more: false, scanned: hits.length, index_incomplete: false, ...extra },
  });
}

describe('SearchBox', () => {
  it('links a hit to its message in the conversation, and a session-level hit to the session', () => {
    expect(hitHref({ session_id: 7, message_id: 42 })).toBe('/sessions/7?message=42');
    expect(hitHref({ session_id: 7, message_id: null })).toBe('/sessions/7');
  });

  it('asks once for what was typed and lists the hits with marked snippets', async () => {
    answerWith([hit({}), hit({ session_id: 9, message_id: null, call_id: 3, kind: 'command', tool: 'Bash', agent: 'codex', project: 'api', snippet_parts: [{ text: 'npm test', match: true }] })]);
    renderBox();
    const input = screen.getByRole('searchbox', { name: 'Search sessions' });
    fireEvent.change(input, { target: { value: 'bil' } });
    fireEvent.change(input, { target: { value: 'billing' } });
    const list = await screen.findByRole('list', { name: 'Search results' });
    expect(urls).toHaveLength(1);
    const url = new URL(urls[0], 'http://x');
    expect(url.pathname).toBe('/api/search');
    expect(url.searchParams.get('q')).toBe('billing');
    const items = within(list).getAllByTestId('search-hit');
    expect(items).toHaveLength(2);
    expect(items[0].getAttribute('href')).toBe('/sessions/7?message=42');
    expect(items[1].getAttribute('href')).toBe('/sessions/9');
    expect(within(items[0]).getByText('billing').tagName).toBe('MARK');
    expect(items[0].textContent).toContain('shop');
    expect(items[0].textContent).toContain('Claude Code');
    expect(items[0].textContent).toContain('prompt');
    expect(items[1].textContent).toContain('command · Bash');
    expect(items[1].textContent).toContain('Codex CLI');
  });

  it('navigates in place to the hit and closes the list', async () => {
    answerWith([hit({})]);
    renderBox();
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'billing' } });
    const item = await screen.findByTestId('search-hit');
    fireEvent.click(item, { button: 0 });
    expect(window.location.pathname + window.location.search).toBe('/sessions/7?message=42');
    expect(screen.queryByTestId('search-results')).toBeNull();
  });

  it('Enter opens the first hit; Escape closes the list', async () => {
    answerWith([hit({ session_id: 3, message_id: 5 }), hit({})]);
    renderBox();
    const input = screen.getByRole('searchbox');
    fireEvent.change(input, { target: { value: 'billing' } });
    await screen.findAllByTestId('search-hit');
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByTestId('search-results')).toBeNull();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(window.location.pathname + window.location.search).toBe('/sessions/3?message=5');
  });

  it("shows the server's message when it refuses, and says when nothing matched", async () => {
    answer = () => ({ status: 403, body: { error: { status: 403, message: 'search returns transcript text: only to clients on this machine' } } });
    renderBox();
    const input = screen.getByRole('searchbox');
    fireEvent.change(input, { target: { value: 'secret' } });
    expect(await screen.findByText(/only to clients on this machine/)).toBeTruthy();
    answerWith([]);
    fireEvent.change(input, { target: { value: 'nothing here' } });
    expect(await screen.findByText('No match.')).toBeTruthy();
  });

  it('says when the index has not read older transcripts yet', async () => {
    answerWith([hit({})], { index_incomplete: true });
    renderBox();
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'billing' } });
    expect(await screen.findByText(/search --rebuild/)).toBeTruthy();
  });

  it('asks nothing for blank input', async () => {
    renderBox();
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: '   ' } });
    await act(async () => new Promise((r) => setTimeout(r, 30)));
    await waitFor(() => expect(urls).toHaveLength(0));
  });
});
