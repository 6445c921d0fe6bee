// The conversation: items of each kind drawn from the transcript endpoint, a long result cut with "show
// more" fetching the whole text, the next page loaded when the end comes into view (and only the rows in
// view rendered), ?message= highlighting its message, and a transcript that is gone saying so.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { TranscriptItem, TranscriptPage } from '../api/transcript';
import { mergeItems } from '../api/transcript';
import { Conversation } from './Conversation';

const item = (i: number, over: Partial<TranscriptItem> = {}): TranscriptItem => ({
  id: `k${i}#0`,
  ref: `1:${i * 100}:0`,
  file_id: 1,
  line: i + 1,
  kind: 'assistant',
  ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  text: `answer ${i}`,
  message_id: 1000 + i,
  ...over,
});

const page = (items: TranscriptItem[], over: Partial<TranscriptPage> = {}): TranscriptPage => ({
  session: { id: 7, provider: 'claude', session_id: 's' },
  items,
  next: null,
  prev: null,
  end: true,
  status: 'ok',
  files: [{ id: 1, kind: 'session', name: 's.jsonl', status: 'ok' }],
  subagents: [],
  ...over,
});

// A server of `total` items in pages of the requested limit; records the URLs asked.
function fakeServer(total: number, make = (i: number) => item(i), over: Partial<TranscriptPage> = {}) {
  const asked: string[] = [];
  const all = Array.from({ length: total }, (_, i) => make(i));
  const fetchImpl = (async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://x');
    asked.push(url.pathname + url.search);
    const ref = url.searchParams.get('item');
    if (ref) {
      const it = all.find((x) => x.ref === ref)!;
      return new Response(JSON.stringify(page([{ ...it, text: 'FULL:' + 'x'.repeat(5000), text_truncated: undefined }])));
    }
    const limit = Number(url.searchParams.get('limit') ?? 200);
    let from = Number(url.searchParams.get('after') ?? 0);
    const msg = url.searchParams.get('message');
    if (msg) from = Math.max(0, all.findIndex((x) => x.message_id === Number(msg)));
    const slice = all.slice(from, from + limit);
    const next = from + slice.length;
    return new Response(JSON.stringify(page(slice, { next: String(next), end: next >= total, prev: from > 0 ? String(from) : null, ...over })));
  }) as typeof fetch;
  return { fetchImpl, asked };
}

describe('Conversation', () => {
  it('draws each kind of item: prompts, answers with cost, thinking and results collapsed, errors marked', async () => {
    const items = [
      item(0, { kind: 'user', text: 'fix the bug' }),
      item(1, { kind: 'thinking', text: 'hmm' }),
      item(2, { usage: { cost_usd: 0.0123, input_tokens: 1000, output_tokens: 200, cache_read_tokens: 0, cache_create_tokens: 0, model: 'm1' } }),
      item(3, { kind: 'tool_call', tool_name: 'Bash', command: 'make test', text: undefined }),
      item(4, { kind: 'tool_call', tool_name: 'Edit', file_path: '/a.py', diff: '-old\n+new\n', text: undefined }),
      item(5, { kind: 'tool_result', text: 'FAILED', is_error: true }),
      item(6, { kind: 'error', text: 'API error 529' }),
    ];
    const { fetchImpl } = fakeServer(items.length, (i) => items[i]);
    const { container } = render(<Conversation row={7} fetchImpl={fetchImpl} />);
    await screen.findByText('fix the bug');
    expect(screen.getByText('make test')).toBeTruthy();
    expect(container.querySelector('.ti-diff .add')?.textContent).toContain('+new');
    expect(container.querySelector('details.ti-thinking')?.hasAttribute('open')).toBe(false);
    expect(container.querySelector('details.ti-tool_result.ti-error-mark')).toBeTruthy();
    expect(screen.getByText('Error result')).toBeTruthy();
    expect(screen.getByTestId('item-usage').textContent).toContain('m1');
    expect(container.querySelector('[data-kind="error"]')?.textContent).toContain('API error 529');
  });

  it('cuts a long result and fetches its whole text on "show more"', async () => {
    const { fetchImpl, asked } = fakeServer(1, (i) => item(i, { kind: 'tool_result', text: 'short part', text_truncated: true, full_length: 5005 }));
    render(<Conversation row={7} fetchImpl={fetchImpl} />);
    fireEvent.click(await screen.findByText(/show more/));
    await screen.findByText(/^FULL:/);
    expect(asked.some((u) => u.includes('item=1%3A0%3A0'))).toBe(true);
  });

  it('renders only a window of a long list and loads the next page when the end is in view', async () => {
    const { fetchImpl, asked } = fakeServer(1000);
    const { container } = render(<Conversation row={7} fetchImpl={fetchImpl} />);
    await screen.findByText('answer 0');
    const rendered = container.querySelectorAll('[data-index]').length;
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(100);
    const list = screen.getByTestId('virtual-list');
    // Scroll to the bottom of what is loaded: the next page is asked for after the cursor.
    await act(async () => {
      list.scrollTop = 200 * 80;
      fireEvent.scroll(list);
    });
    await waitFor(() => expect(asked.some((u) => u.includes('after=200'))).toBe(true));
    // The loaded page is there to scroll to.
    await waitFor(() => expect((list.firstElementChild as HTMLElement).style.height).toBe(`${400 * 80}px`));
    await act(async () => {
      list.scrollTop = 250 * 80;
      fireEvent.scroll(list);
    });
    expect(await screen.findByText('answer 250')).toBeTruthy();
  });

  it('opens at ?message= and highlights it', async () => {
    const { fetchImpl, asked } = fakeServer(500);
    const { container } = render(<Conversation row={7} message={1300} fetchImpl={fetchImpl} />);
    await screen.findByText('answer 300');
    expect(asked[0]).toContain('message=1300');
    expect(container.querySelector('.ti-highlight')?.textContent).toContain('answer 300');
    expect(screen.getByText('Load earlier')).toBeTruthy();
  });

  it('says when the transcript is no longer on disk', async () => {
    const { fetchImpl } = fakeServer(0, item, { status: 'missing', status_message: 'transcript no longer on disk (deleted or rotated away)' });
    render(<Conversation row={7} fetchImpl={fetchImpl} />);
    expect((await screen.findByTestId('transcript-status')).textContent).toContain('no longer on disk');
  });
});

describe('sub-agents', () => {
  it('nests a sub-agent where it started and reads its file when opened', async () => {
    const asked: string[] = [];
    const main = [item(0, { kind: 'user', text: 'spawn one' }), item(1, { kind: 'tool_call', tool_name: 'Task', text: undefined }), item(5, { text: 'after the sub-agent' })];
    const fetchImpl = (async (input: RequestInfo | URL) => {
      const url = new URL(String(input), 'http://x');
      asked.push(url.search);
      if (url.searchParams.get('file') === '9')
        return new Response(JSON.stringify(page([item(2, { id: 'sub#0', file_id: 9, text: 'inside the sub-agent' })])));
      return new Response(
        JSON.stringify(
          page(main, {
            subagents: [{ id: 9, kind: 'subagent', name: 'agent-ab.jsonl', status: 'ok', started_at: item(3).ts, agent_id: 'ab', messages: 1 }],
          }),
        ),
      );
    }) as typeof fetch;
    const { container } = render(<Conversation row={7} fetchImpl={fetchImpl} />);
    await screen.findByText('spawn one');
    const kinds = Array.from(container.querySelectorAll('[data-index] > *')).map((e) => e.getAttribute('data-kind') ?? e.className);
    // After the Task call (second 1), before the answer of second 5.
    expect(kinds).toEqual(['user', 'tool_call', 'ti ti-subagent', 'assistant']);
    expect(asked.some((q) => q.includes('file=9'))).toBe(false);
    const details = container.querySelector('details.ti-subagent') as HTMLDetailsElement;
    await act(async () => {
      details.open = true;
      fireEvent(details, new Event('toggle'));
    });
    await screen.findByText('inside the sub-agent');
    expect(asked.some((q) => q.includes('file=9'))).toBe(true);
  });
});

describe('mergeItems', () => {
  it('replaces a restated item in place and appends new ones', () => {
    const a = [item(0), item(1)];
    const merged = mergeItems(a, [{ ...item(1), text: 'grown' }, item(2)], 'end');
    expect(merged.map((x) => x.text)).toEqual(['answer 0', 'grown', 'answer 2']);
    expect(mergeItems(a, [item(9)], 'start').map((x) => x.id)).toEqual(['k9#0', 'k0#0', 'k1#0']);
  });
});
