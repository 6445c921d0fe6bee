// The Overview's and Sessions tab's download buttons: each saves what the tab shows, with its filters,
// as a CSV or JSON file (the Blob handed to the browser is read back here).
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { burn, overviewFixture, session } from '../test/fixtures';
import { LiveContext } from '../hooks/useLive';
import { LiveStore } from '../api/liveStore';
import { OverviewTab } from './OverviewTab';
import { SessionsTab } from './SessionsTab';

let urls: string[] = [];
let answer: (url: URL) => unknown = () => ({});
let saved: { name: string; blob: Blob }[] = [];

function readBlob(b: Blob): Promise<string> {
  return new Promise((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.readAsText(b);
  });
}

beforeEach(() => {
  urls = [];
  saved = [];
  window.history.replaceState(null, '', '/');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (u: string) => {
      urls.push(u);
      return { ok: true, status: 200, text: async () => JSON.stringify(answer(new URL(u, 'http://x'))) } as Response;
    }),
  );
  let pending: Blob | null = null;
  URL.createObjectURL = vi.fn((b: Blob) => {
    pending = b;
    return 'blob:test';
  }) as typeof URL.createObjectURL;
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    if (pending) saved.push({ name: this.download, blob: pending });
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('Overview downloads', () => {
  it('save the days shown for the agent chosen, as CSV and JSON', async () => {
    answer = () => ({ ...overviewFixture('codex'), burn: burn() });
    // The App provides the live store to every tab (the Overview's limits pane reads it).
    render(
      <LiveContext.Provider value={new LiveStore((f) => f(), 0)}>
        <OverviewTab tz="Europe/Paris" config={null} search={new URLSearchParams('provider=codex')} />
      </LiveContext.Provider>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Download CSV' }));
    fireEvent.click(screen.getByRole('button', { name: 'Download JSON' }));
    expect(urls[0]).toContain('provider=codex');
    expect(saved.map((s) => s.name)).toEqual([
      'agentpulse-overview-2026-11-24-2026-11-25-codex.csv',
      'agentpulse-overview-2026-11-24-2026-11-25-codex.json',
    ]);
    expect(saved[0].blob.type).toContain('text/csv');
    const csv = await readBlob(saved[0].blob);
    expect(csv.split('\n')[1]).toBe('2026-11-24,10,20,30,100,160,1.5,1,claude-opus-4-5; claude-sonnet-4-5');
    const doc = JSON.parse(await readBlob(saved[1].blob));
    expect(doc.filters.agent).toBe('codex');
    expect(doc.tz).toBe('Europe/Paris');
    expect(doc.totals.cost_usd).toBe(1.5);
  });
});

describe('Sessions downloads', () => {
  it('save the page shown, in its order, with its filters', async () => {
    answer = (url) => ({
      total: 2,
      limit: 50,
      offset: 0,
      sort: url.searchParams.get('sort') ?? 'last_at',
      dir: 'desc',
      filters: { project: 'shop', model: '', provider: '', q: '' },
      sessions: [session(2, { project: 'shop' }), session(1, { project: 'shop' })],
      facets: { projects: ['shop'], models: [] },
    });
    render(<SessionsTab search={new URLSearchParams('project=shop&sort=cost')} />);
    await waitFor(() => expect(screen.getByTestId('sessions-download')).toBeTruthy());
    expect(urls[0]).toContain('project=shop');
    fireEvent.click(screen.getByRole('button', { name: 'Download CSV' }));
    fireEvent.click(screen.getByRole('button', { name: 'Download JSON' }));
    expect(saved.map((s) => s.name)).toEqual(['agentpulse-sessions-page1.csv', 'agentpulse-sessions-page1.json']);
    const csv = (await readBlob(saved[0].blob)).split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[1].startsWith('sess-2,claude,shop,')).toBe(true);
    expect(csv[2].startsWith('sess-1,claude,shop,')).toBe(true);
    const doc = JSON.parse(await readBlob(saved[1].blob));
    expect(doc.filters.project).toBe('shop');
    expect(doc.sort).toBe('cost');
    expect(doc.rows).toHaveLength(2);
  });

  it('offers no download while nothing is shown', async () => {
    answer = () => ({ total: 0, limit: 50, offset: 0, sort: 'last_at', dir: 'desc', filters: {}, sessions: [], facets: { projects: [], models: [] } });
    render(<SessionsTab search={new URLSearchParams('')} />);
    await screen.findByText('No sessions yet.');
    expect(screen.queryByTestId('sessions-download')).toBeNull();
  });
});
