// Alerts end to end, in Debian's Chromium against the real agentpulse binary: a daily budget crossed by a
// transcript line fires once; the server delivers it to a webhook receiver on 127.0.0.1 (its idempotency
// key in the header and the body), and the dashboard, whose page was granted the Notification permission by
// the test, shows a toast and creates a browser Notification tagged with the same key; the Alerts pane then
// shows the rule as fired.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { artifacts, browser, ClaudeSession, requireBuilt, scratch, serve, waitFor } from './harness.mjs';

requireBuilt();

describe('alerts reach a webhook and the browser', () => {
  const { dir, store, claude, codex } = scratch();
  const received = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url, key: req.headers['idempotency-key'], body: JSON.parse(body) });
      res.end('ok');
    });
  });
  let server;
  let b;
  let page;

  before(async () => {
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${receiver.address().port}/hook`;
    // A budget of a hundredth of a cent: the first priced line crosses every threshold.
    server = await serve({ store, claude, codex, extra: ['--budget-daily', '0.0001', '--notify', hook] });
    b = await browser();
    await b.context.grantPermissions(['notifications'], { origin: server.url });
    // Records every Notification the page creates (the real one is still created).
    await b.context.addInitScript(() => {
      const Real = window.Notification;
      window.__notes = [];
      class Recorded extends Real {
        constructor(title, options) {
          window.__notes.push({ title, tag: options?.tag, body: options?.body });
          super(title, options);
        }
      }
      Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
      Recorded.requestPermission = (...a) => Real.requestPermission(...a);
      window.Notification = Recorded;
    });
    page = await b.context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });
  after(async () => {
    await b?.close();
    await server?.stop();
    receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a crossing shows a toast and a Notification, and the webhook gets the same key', async () => {
    await page.goto(`${server.url}/live`);
    await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
    await page.getByTestId('alert-rule-budget-day').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('alert-rule-budget-day').getAttribute('data-status'), 'armed');
    assert.equal(await page.evaluate(() => Notification.permission), 'granted');
    assert.equal(await page.getByTestId('alerts-enable').count(), 0); // already allowed: no button

    const agent = new ClaudeSession(claude, { project: 'shop' });
    agent.user('Refactor the cart');
    agent.assistant();
    const toast = page.getByTestId('alert-toast');
    await toast.waitFor({ timeout: 15_000 }); // the rules are evaluated every 5 s
    assert.match(await toast.innerText(), /day budget at 100%/);
    const notes = await waitFor(() => page.evaluate(() => (window.__notes.length ? window.__notes : null)), { what: 'a Notification' });
    assert.equal(notes.length, 1);
    assert.match(notes[0].title, /day budget at 100%/);
    assert.match(notes[0].tag, /^ap-/);
    assert.ok(!notes[0].body.includes('Refactor'), 'no transcript text in the alert');

    await waitFor(() => received.length >= 1, { what: 'the webhook delivery' });
    assert.equal(received[0].key, notes[0].tag);
    assert.equal(received[0].body.idempotency_key, notes[0].tag);
    assert.equal(received[0].body.rule, 'budget-day');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="alert-rule-budget-day"]')?.getAttribute('data-status') === 'fired',
      null,
      { timeout: 10_000 },
    );
    await page.screenshot({ path: path.join(artifacts, 'alerts.png'), fullPage: true });

    // More usage the same day: no second firing (once per crossing).
    agent.assistant();
    await page.waitForTimeout(6000);
    assert.equal(await page.evaluate(() => window.__notes.length), 1);
    assert.equal(received.length, 1);
  });
});
