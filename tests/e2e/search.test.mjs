// Search end to end, in Debian's Chromium against the real agentpulse binary: a Claude Code session's
// prompt and shell command are written to a transcript; typing in the header's search box lists the hit
// with its marked snippet; clicking it lands on that point of the conversation
// (/sessions/<session row>?message=<message row>, the rows the API names). A screenshot goes to
// tests/e2e/artifacts/search.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { artifacts, ClaudeSession, requireBuilt, scratch, servedPage, waitFor } from './harness.mjs';

requireBuilt();

describe('search box', () => {
  const folders = scratch();
  const { store, claude, codex } = folders;
  const other = new ClaudeSession(claude, { project: 'docs' });
  other.user('Update the README with the new flags');
  const agent = new ClaudeSession(claude, { project: 'shop' });
  agent.user('Why does billing.py round the invoice totals wrong?');
  const [call] = agent.assistant({ tools: [{ name: 'Bash', input: { command: 'pytest tests/test_invoices.py -k rounding' } }] });
  agent.result(call, { content: '1 failed' });
  const served = servedPage(folders);

  test('type a query, see the hit, click it, land on the conversation at that message', async () => {
    const { server, page } = served;
    // The API's answer first (once the watcher has read the transcript): the rows the link must name.
    const api = await waitFor(
      async () => {
        const r = await fetch(`${server.url}/api/search?q=${encodeURIComponent('billing.py')}`);
        const body = await r.json();
        return r.ok && body.hits.length === 1 ? body : null;
      },
      { timeout: 10_000, what: 'the prompt in /api/search' },
    );
    const hit = api.hits[0];
    assert.equal(hit.kind, 'prompt');
    assert.equal(hit.project, 'shop');
    assert.ok(Number.isInteger(hit.message_id));

    await page.goto(`${server.url}/`);
    const box = page.getByRole('searchbox', { name: 'Search sessions' });
    await box.fill('billing.py');
    const result = page.getByTestId('search-hit').first();
    await result.waitFor({ timeout: 5000 });
    assert.equal(await page.getByTestId('search-hit').count(), 1);
    assert.match(await result.innerText(), /round the invoice totals/);
    // The phrase's two tokens (billing, py) are marked as one.
    assert.equal(await result.locator('mark').first().innerText(), 'billing.py');
    await page.screenshot({ path: path.join(artifacts, 'search.png') });

    // A command is found too, by a word of it.
    await box.fill('pytest rounding');
    await waitFor(async () => (await page.getByTestId('search-hit').first().innerText()).includes('command'), {
      timeout: 5000,
      what: 'the command hit',
    });

    await box.fill('billing.py');
    await waitFor(async () => (await page.getByTestId('search-hit').first().innerText()).includes('invoice totals'), {
      timeout: 5000,
      what: 'the prompt hit again',
    });
    await page.getByTestId('search-hit').first().click();
    const want = `/sessions/${hit.session_id}?message=${hit.message_id}`;
    await waitFor(() => {
      const u = new URL(page.url());
      return u.pathname + u.search === want;
    }, { timeout: 5000, what: `the address to be ${want}` });
    assert.equal(await page.getByTestId('search-results').count(), 0);
  });
});
