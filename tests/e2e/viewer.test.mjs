// The conversation viewer end to end, in Debian's Chromium against the real binary: a Claude Code session
// written to a temporary folder opens on /sessions/<row> with its prompt, answer (with cost), tool call,
// collapsed result and error; a line appended to the transcript shows without a reload; ?message=<id>
// highlights that message; a secret in a prompt comes back masked. A screenshot goes to artifacts/ (and,
// with UPDATE_SCREENSHOTS=1, to docs/screenshots/conversation.png for the README).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { artifacts, ClaudeSession, requireBuilt, root, scratch, servedPage, waitFor } from './harness.mjs';

requireBuilt();

describe('conversation viewer', () => {
  const folders = scratch();
  const { store, claude, codex } = folders;
  const agent = new ClaudeSession(claude, { project: 'billing' });
  agent.user('Why does billing.py round the invoice total twice? My key is AKIAIOSFODNN7EXAMPLE');
  agent.append({
    ...agent.common(new Date().toISOString()),
    type: 'assistant',
    requestId: 'req_view_1',
    message: {
      id: 'msg_view_1',
      type: 'message',
      role: 'assistant',
      model: agent.model,
      content: [
        { type: 'thinking', thinking: 'The rounding happens in two places.' },
        { type: 'text', text: 'It rounds in compute_total and again in render.' },
        { type: 'tool_use', id: 'toolu_view_1', name: 'Edit', input: { file_path: '/home/e2e/src/billing/billing.py', old_string: 'round(total, 2)', new_string: 'total' } },
      ],
      usage: { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 40000, cache_creation_input_tokens: 2000, service_tier: 'standard' },
    },
  });
  agent.result('toolu_view_1', { content: 'The file has been updated. ' + 'line\n'.repeat(1000) });
  const [bash] = agent.assistant({ tools: [{ name: 'Bash', input: { command: 'pytest -q tests/test_billing.py' } }] });
  agent.result(bash, { content: '1 failed: test_total_rounding', isError: true });
  const served = servedPage(folders);

  test('opens a session, shows its items, appends live, jumps to a message', async () => {
    const { server, page } = served;
    // The session row, once ingest has stored it.
    const row = await waitFor(async () => {
      const r = await fetch(`${server.url}/api/sessions?limit=5`).then((x) => x.json());
      return r.sessions?.[0]?.session_row;
    }, { timeout: 10_000, what: 'the session in /api/sessions' });

    await page.goto(`${server.url}/sessions`);
    await page.locator(`a[href="/sessions/${row}"]`).first().click();
    const conv = page.getByTestId('conversation');
    await conv.waitFor({ timeout: 10_000 });
    await conv.getByText('Why does billing.py round the invoice total twice?').waitFor();
    // The key is masked before it reaches the page.
    assert.match(await conv.locator('.ti-user').first().innerText(), /\[REDACTED:aws-access-key\]/);
    assert.doesNotMatch(await conv.innerText(), /AKIAIOSFODNN7EXAMPLE/);
    await conv.getByText('It rounds in compute_total and again in render.').waitFor();
    // Thinking collapsed; the answer's cost and tokens; the edit as a diff; the result collapsed and cut.
    assert.equal(await conv.locator('details.ti-thinking').first().getAttribute('open'), null);
    assert.match(await conv.getByTestId('item-usage').first().innerText(), /\$\d/);
    await conv.locator('.ti-diff .del', { hasText: 'round(total, 2)' }).waitFor();
    const result = conv.locator('details.ti-tool_result').first();
    await result.locator('summary').click();
    await result.getByText(/show more/).click();
    await waitFor(async () => (await result.locator('pre').innerText()).length > 4000, { what: 'the whole result after show more' });
    // The failed test run is marked as an error.
    await conv.locator('details.ti-tool_result.ti-error-mark').waitFor();

    // Live: a line appended to the transcript shows without a reload.
    agent.user('Now add a regression test for the rounding');
    await conv.getByText('Now add a regression test for the rounding').waitFor({ timeout: 15_000 });
    // A tool call makes a live-stream frame for this session: the page asks for what follows at once
    // (well before its 10 s fallback poll).
    const t0 = Date.now();
    agent.assistant({ tools: [{ name: 'Read', input: { file_path: '/home/e2e/src/billing/test_live_append.py' } }] });
    await conv.locator('code', { hasText: '/home/e2e/src/billing/test_live_append.py' }).first().waitFor({ timeout: 5_000 });
    console.log(`tool call appended -> in the conversation: ${Date.now() - t0} ms`);
    // Into artifacts/; UPDATE_SCREENSHOTS=1 also refreshes the README's copy in docs/screenshots/.
    await page.screenshot({ path: path.join(artifacts, 'conversation.png'), fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === '1') fs.copyFileSync(path.join(artifacts, 'conversation.png'), path.join(root, 'docs', 'screenshots', 'conversation.png'));

    // Export: the whole conversation as Markdown, masked as the page shows it.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('conversation-export').getByRole('button', { name: 'Markdown' }).click(),
    ]);
    const saved = fs.readFileSync(await download.path(), 'utf8');
    assert.match(saved, /^# claude session /);
    assert.match(saved, /Why does billing\.py round the invoice total twice\?/);
    assert.match(saved, /Now add a regression test for the rounding/);
    assert.match(saved, /\[REDACTED:aws-access-key\]/);
    assert.doesNotMatch(saved, /AKIAIOSFODNN7EXAMPLE/);

    // ?message= highlights the message.
    const body = await fetch(`${server.url}/api/sessions/${row}/transcript`).then((x) => x.json());
    const target = body.items.find((i) => i.kind === 'assistant' && i.message_id);
    assert.ok(target, 'an assistant item linked to its message');
    await page.goto(`${server.url}/sessions/${row}?message=${target.message_id}`);
    await page.locator('.ti-highlight', { hasText: 'compute_total' }).waitFor({ timeout: 10_000 });
  });
});
