// A session's whole conversation as a file: every page of /api/sessions/<row>/transcript (the main file,
// in order; redacted as the viewer shows it, long texts cut as the viewer cuts them, with their full
// length), as Markdown to read or JSON for scripts. Nothing is stored: the pages are read on demand.
import type { TranscriptItem, TranscriptPage } from './transcript';
import { fetchTranscript } from './transcript';

export interface WholeConversation {
  session: TranscriptPage['session'];
  items: TranscriptItem[];
  /** The export stopped at `maxItems` (a huge session): the file says so. */
  cut: boolean;
  status: string;
}

/** Reads every page after the first, following `next` until the end (or `maxItems`). */
export async function fetchWholeConversation(
  row: number,
  { pageSize = 1000, maxItems = 200_000, fetchImpl }: { pageSize?: number; maxItems?: number; fetchImpl?: typeof fetch } = {},
): Promise<WholeConversation> {
  let page = await fetchTranscript(row, { limit: pageSize }, undefined, fetchImpl);
  const out: WholeConversation = { session: page.session, items: [], cut: false, status: page.status };
  for (;;) {
    for (const it of page.items) if (!it.repeat) out.items.push(it);
    if (out.items.length >= maxItems) {
      out.cut = true;
      out.items.length = maxItems;
      return out;
    }
    if (page.end || !page.next) return out;
    page = await fetchTranscript(row, { after: page.next, limit: pageSize }, undefined, fetchImpl);
  }
}

const HEADINGS: Record<TranscriptItem['kind'], string> = {
  user: 'User',
  assistant: 'Assistant',
  thinking: 'Thinking',
  tool_call: 'Tool call',
  tool_result: 'Result',
  error: 'Error',
  system: 'System',
  usage: 'Usage',
};

// A fence longer than any run of backticks in the text, so the text cannot close it.
function fenced(text: string, lang = ''): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function itemMarkdown(it: TranscriptItem): string {
  const head = [`### ${HEADINGS[it.kind]}${it.tool_name ? `: ${it.tool_name}` : ''}`];
  const meta = [it.ts, it.model ?? it.usage?.model, it.agent_id ? `sub-agent ${it.agent_id}` : '', it.is_error ? 'error' : '']
    .filter(Boolean)
    .join(' · ');
  if (meta) head.push(`_${meta}_`);
  const body: string[] = [];
  if (it.command) body.push(fenced(it.command, 'sh'));
  if (it.file_path) body.push(`File: \`${it.file_path}\``);
  if (it.diff) body.push(fenced(it.diff, 'diff'));
  else if (it.input && !it.command) body.push(fenced(it.input, 'json'));
  if (it.text) body.push(it.kind === 'user' || it.kind === 'assistant' ? it.text : fenced(it.text));
  if (it.text_truncated) body.push(`_(cut: ${it.full_length ?? '?'} bytes in the transcript)_`);
  if (it.usage) body.push(`_$${it.usage.cost_usd.toFixed(4)} · ${it.usage.input_tokens} in · ${it.usage.output_tokens} out_`);
  return [...head, '', ...body].join('\n');
}

export function conversationMarkdown(c: WholeConversation): string {
  const lines = [`# ${c.session.provider} session ${c.session.session_id}`, ''];
  if (c.status !== 'ok') lines.push(`_Transcript status: ${c.status}_`, '');
  for (const it of c.items) lines.push(itemMarkdown(it), '');
  if (c.cut) lines.push(`_(export stopped after ${c.items.length} items)_`, '');
  return lines.join('\n');
}

export function conversationJson(c: WholeConversation): string {
  return JSON.stringify({ report: 'conversation', session: c.session, status: c.status, cut: c.cut, items: c.items }, null, 2) + '\n';
}

export function conversationFileName(c: WholeConversation): string {
  return `agentpulse-${c.session.provider}-${c.session.session_id}`.replace(/[^A-Za-z0-9._-]+/g, '-');
}
