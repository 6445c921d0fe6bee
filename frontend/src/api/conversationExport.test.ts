// The conversation export: every page is read (following `next` to the end), restated usage counts are
// left out, the Markdown keeps each item's text, command and diff (fenced so a backtick in the text cannot
// end the block) and says where a text was cut; the JSON holds the items as the API gave them.
import { describe, expect, it } from 'vitest';
import type { TranscriptItem, TranscriptPage } from './transcript';
import { conversationFileName, conversationJson, conversationMarkdown, fetchWholeConversation } from './conversationExport';

const session = { id: 7, provider: 'claude', session_id: 'abc/def' };
const item = (id: string, over: Partial<TranscriptItem> = {}): TranscriptItem => ({
  id, ref: id, file_id: 1, kind: 'user', message_id: null, text: `text ${id}`, ...over,
});
const page = (items: TranscriptItem[], next: string | null): TranscriptPage => ({
  session, items, next, prev: null, end: next === null, status: 'ok', files: [], subagents: [],
});

function fakeFetch(pages: Record<string, TranscriptPage>, seen: string[]): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://x');
    const after = url.searchParams.get('after') ?? '';
    seen.push(after);
    return new Response(JSON.stringify(pages[after]), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
}

describe('conversation export', () => {
  it('reads every page in order and drops restated usage', async () => {
    const seen: string[] = [];
    const pages = {
      '': page([item('a'), item('b', { kind: 'assistant' })], 'c1'),
      c1: page([item('u', { kind: 'usage', repeat: true }), item('c', { kind: 'tool_call', tool_name: 'Bash', command: 'ls ```' })], 'c2'),
      c2: page([item('d', { kind: 'tool_result', text: 'out', text_truncated: true, full_length: 9000 })], null),
    };
    const c = await fetchWholeConversation(7, { fetchImpl: fakeFetch(pages, seen) });
    expect(seen).toEqual(['', 'c1', 'c2']);
    expect(c.items.map((i) => i.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(c.cut).toBe(false);
    const md = conversationMarkdown(c);
    expect(md).toContain('# claude session abc/def');
    expect(md).toContain('### Tool call: Bash');
    expect(md).toContain('````sh\nls ```\n````');
    expect(md).toContain('cut: 9000 bytes');
    expect(md.indexOf('text a')).toBeLessThan(md.indexOf('text b'));
    expect(JSON.parse(conversationJson(c)).items).toHaveLength(4);
    expect(conversationFileName(c)).toBe('agentpulse-claude-abc-def');
  });

  it('stops at maxItems and says so', async () => {
    const pages = { '': page([item('a'), item('b')], 'n'), n: page([item('c')], null) };
    const c = await fetchWholeConversation(7, { maxItems: 2, fetchImpl: fakeFetch(pages, []) });
    expect(c.items).toHaveLength(2);
    expect(c.cut).toBe(true);
    expect(conversationMarkdown(c)).toContain('export stopped after 2 items');
  });
});
