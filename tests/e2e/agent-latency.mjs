// Append to browser, per agent: the real binary serving every agent's folder, Debian's Chromium on /live,
// and each agent's writer (agents.mjs) starting tool calls round-robin; each is timed from just before the
// write to the animation frame in which its row is in the feed (same machine clock).
//   node agent-latency.mjs [rounds=40]      prints a table; writes artifacts/agent-latency.json
import fs from 'node:fs';
import path from 'node:path';
import { agentFolders, timeAppends, WRITERS } from './agents.mjs';
import { artifacts, browser, dashboard, percentile, rowSeen, run, tmpdir } from './harness.mjs';

const ROUNDS = Number(process.argv[2] ?? 40);
const dir = tmpdir();
const { folders, args } = agentFolders(dir);
const server = await run(['serve', '--host', '127.0.0.1', '--port', '0', '--store', path.join(dir, 'store.db'), ...args,
  '--static-dir', dashboard, '--log-level', 'warn'], { waitListening: true });
const b = await browser();
let writers = [];
try {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/live`);
  await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
  writers = WRITERS.map((W) => new W(folders[W.agent], `bench-${W.agent}`));
  await page.waitForTimeout(1500); // new folders and the OpenCode database found by the watcher
  await timeAppends(page, writers, 2, { rowSeen }); // warm-up, not counted
  const ms = await timeAppends(page, writers, ROUNDS, { rowSeen });
  const rows = Object.entries(ms).map(([agent, v]) => ({ agent, samples: v.length, p50_ms: percentile(v, 50), p90_ms: percentile(v, 90), p99_ms: percentile(v, 99), max_ms: Math.max(...v) }));
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, 'agent-latency.json'), JSON.stringify({ rounds: ROUNDS, rows, all_ms: ms }, null, 2));
  console.log('agent     samples  p50   p90   p99   max (ms, append -> row in the Live feed)');
  for (const r of rows) console.log(`${r.agent.padEnd(9)} ${String(r.samples).padStart(7)} ${String(r.p50_ms).padStart(4)} ${String(r.p90_ms).padStart(5)} ${String(r.p99_ms).padStart(5)} ${String(r.max_ms).padStart(5)}`);
} finally {
  for (const w of writers) w.close?.();
  await b.close();
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
