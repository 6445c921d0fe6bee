// Takes the README's screenshots from the demo (`agentpulse serve --demo`): every tab, one session's
// page, and the Live tab in the dark theme, into docs/screenshots/ (or the folder given).
//   node screenshots.mjs [out-dir]
import fs from 'node:fs';
import path from 'node:path';
import { browser, root, run, dashboard } from './harness.mjs';

const out = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'screenshots'));
fs.mkdirSync(out, { recursive: true });
const server = await run(['serve', '--demo', '--port', '0', '--budget', '60', '--static-dir', dashboard, '--log-level', 'warn'], { waitListening: true });
const b = await browser();
try {
  const page = await b.context.newPage();
  const shot = async (name) => {
    await page.mouse.move(1, 1);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    console.log(`wrote ${path.join(out, `${name}.png`)}`);
  };
  await page.goto(`${server.url}/live`);
  await page.waitForTimeout(25_000);  // let the simulated agents fill the stream
  await shot('live');
  await page.getByRole('tab', { name: 'Overview' }).click();
  await page.getByTestId('overview').waitFor();
  await shot('overview');
  await page.getByRole('tab', { name: 'Sessions' }).click();
  await page.getByTestId('session-table').waitFor();
  await shot('sessions');
  await page.goto(`${server.url}/sessions?sort=tool_calls`);
  await page.getByTestId('session-table').locator('a.mono').first().click();
  await page.getByTestId('timeline').waitFor();
  await shot('session');
  await page.goto(`${server.url}/live`);
  await page.getByRole('button', { name: /Switch to dark theme/ }).click();
  await page.waitForTimeout(6000);
  await shot('live-dark');
} finally {
  await b.close();
  await server.stop();
}
