// How smooth is the Live tab under a steady stream? Serves the built dashboard with a stand-in live API
// whose stream sends RATE frames per second (tool calls, results, usage events and their growth, plus
// burn ticks and sessions every 5 s), opens /live in Debian's Chromium and, for DURATION seconds,
// records every animation frame's interval, long tasks (> 50 ms) and the renderer's CPU time by kind.
//   node smoothness.mjs [rate=50] [seconds=20]        prints JSON; also written to artifacts/
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { artifacts, browser, dashboard, percentile } from './harness.mjs';

const RATE = Number(process.argv[2] ?? 50);
const SECONDS = Number(process.argv[3] ?? 20);
const WARMUP_S = 4;

const tools = ['Read', 'Edit', 'Bash', 'Grep', 'Glob', 'Write', 'TodoWrite', 'WebFetch'];
const projects = ['shop', 'compiler', 'infra', 'docs-site'];
const now = () => new Date().toISOString();
let seq = 0;
let usageId = 0;
let callId = 0;
let resultSeq = 0;
let updateSeq = 0;
const open = [];

function frame(type, payload, withId = true) {
  const id = withId ? `id: u${usageId}.t${callId}.r${resultSeq}.g${updateSeq}\n` : '';
  return `event: ${type}\n${id}data: ${JSON.stringify({ type, payload, ts: now() })}\n\n`;
}

function nextRow() {
  seq += 1;
  const project = projects[seq % projects.length];
  const base = { provider: 'claude', project_id: 1 + (seq % 4), project, session_id: `sess-${seq % 6}`, session_row: 1 + (seq % 6) };
  const r = seq % 10;
  if (r < 4 || open.length === 0) {
    callId += 1;
    const c = { ...base, id: callId, tool_use_id: `toolu_${callId}`, tool_name: tools[callId % tools.length], ts: now(), file_path: `/home/a/src/${project}/src/module${callId % 50}.ts`, byte_count: null, call_index: 0 };
    open.push(c);
    return frame('tool_call', c);
  }
  if (r < 7) {
    const c = open.shift();
    resultSeq += 1;
    return frame('tool_result', { ...c, result_ts: now(), latency_ms: 20 + ((c.id * 37) % 2000), is_error: c.id % 13 === 0, result_bytes: 1000 + (c.id % 9000), result_seq: resultSeq });
  }
  const u = { ...base, ts: now(), model: seq % 3 ? 'claude-sonnet-4-5-20250929' : 'claude-opus-4-5-20251101', input_tokens: 10, output_tokens: 200 + (seq % 500), cache_read_tokens: 40000, cache_create_tokens: 1200, cache_create_1h_tokens: 0, reasoning_tokens: 0, cost_usd: 0.01 + (seq % 7) / 100, cost_source: 'rate_card' };
  if (r < 9 || usageId === 0) {
    usageId += 1;
    return frame('event', { ...u, id: usageId, update_seq: 0 });
  }
  updateSeq += 1;
  return frame('event_update', { ...u, id: usageId, update_seq: updateSeq, output_tokens: 900 });
}

function burn() {
  return { tz: 'UTC', local_date: now().slice(0, 10), utc_offset_minutes: 0, window_s: 300, window_cost_usd: 3, usd_per_min: 0.6, usd_per_hour: 36, today_usd: 40 + seq / 100, month_to_date_usd: 400, projected_month_usd: 520, month_elapsed_fraction: 0.8, day_start: now(), month_start: now(), next_month_start: now(), as_of: now(), budget: { budget_usd: 600, used_fraction: 0.67, projected_fraction: 0.87, status: 'ok' } };
}
function sessions() {
  return { sessions: projects.map((p, i) => ({ session_row: i + 1, session_id: `sess-${i}-0123456789`, provider: 'claude', project: p, model: 'claude-sonnet-4-5-20250929', started_at: now(), last_activity: now(), running_tool: tools[i], running_since: now(), cost_usd: 1.5 * i, usage_events: 10, tool_calls: 20 })), idle_after_s: 600, as_of: now() };
}
const watcher = { state: 'running', reason: '', source: 'embedded', since: null, last_beat: null, pid: null, beat_age_s: null };
const latency = tools.map((t, i) => ({ tool_name: t, samples: 500, errors: 5, error_rate: 0.01, p50_ms: 100 * (i + 1), p95_ms: 900 * (i + 1), p99_ms: 2000 * (i + 1), max_ms: 9000, window_hours: 24, series: Array.from({ length: 60 }, (_, m) => ({ minute: now(), samples: 5, p95_ms: 500 + ((m * 97 * (i + 1)) % 1500) })) }));
const stats = () => ({ as_of: now(), tz: 'UTC', window: { window_s: 300, cost_usd: 3, events: 100, sessions: 4, tool_calls: 300, tool_errors: 3, tokens: { input: 1, output: 1, cache_read: 1, cache_create: 0, cache_create_1h: 0, reasoning: 0 } }, sessions_in_flight: sessions().sessions, burn: burn(), tool_latency: latency, tool_latency_window_hours: 24, tool_latency_measures: 'wall time from call to result', watermarks: { usage: 0, tool_calls: 0, results: 0, updates: 0, last_event_id: 'u0.t0.r0.g0' }, watcher, server: { version: 'bench', poll_interval_ms: 5, burn_interval_s: 5 } });

const mime = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/api/live/stream') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write('retry: 1000\n\n');
    res.write(frame('ready', { server_version: 'bench', watermarks: stats().watermarks, watcher, burn_interval_s: 5, heartbeat_s: 15, retry_ms: 1000, tz: 'UTC', replay: { requested: null, frames: 0, resync: false } }, false));
    res.write(frame('burn_tick', burn(), false) + frame('sessions', sessions(), false));
    // RATE frames per second, written in 10 ms slices as a poller would deliver them.
    let sent = 0;
    const t0 = Date.now();
    const pump = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
      let out = '';
      while (sent < due) {
        out += nextRow();
        sent += 1;
      }
      if (out) res.write(out);
    }, 10);
    const ticks = setInterval(() => res.write(frame('burn_tick', burn(), false) + frame('sessions', sessions(), false)), 5000);
    req.on('close', () => {
      clearInterval(pump);
      clearInterval(ticks);
    });
    return;
  }
  if (url.pathname === '/api/live/stats') return json(res, stats());
  if (url.pathname === '/api/config') return json(res, { version: 'bench', demo: false, watcher_mode: 'embedded', store: '-', budget_usd: 600, token_required: false, has_activity: true, roots: [], transcript_files: [] });
  const file = path.join(dashboard, url.pathname === '/' || !path.extname(url.pathname) ? 'index.html' : url.pathname);
  if (!file.startsWith(dashboard) || !fs.existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': mime[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
function json(res, v) {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(v));
}

await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const b = await browser();
try {
  const page = await b.context.newPage();
  const cdp = await b.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${base}/live`);
  await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(WARMUP_S * 1000);
  const metric = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const before = await metric();
  const sample = await page.evaluate(async (seconds) => {
    const frames = [];
    const longTasks = [];
    let rowsAdded = 0;
    const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
    try {
      obs.observe({ type: 'longtask', buffered: false });
    } catch {
      /* not supported */
    }
    const list = document.querySelector('.feed__list');
    const mo = new MutationObserver((ms) => ms.forEach((m) => (rowsAdded += m.addedNodes.length)));
    if (list) mo.observe(list, { childList: true });
    let last = performance.now();
    const end = last + seconds * 1000;
    await new Promise((resolve) => {
      const step = (t) => {
        frames.push(t - last);
        last = t;
        if (t < end) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    obs.disconnect();
    mo.disconnect();
    return { frames, longTasks, rowsAdded };
  }, SECONDS);
  const after = await metric();
  const cpu = (k) => Math.round(((after[k] - before[k]) / SECONDS) * 1000);
  const f = sample.frames.slice(1);
  const result = {
    rate_per_s: RATE,
    seconds: SECONDS,
    frames: f.length,
    fps: Math.round((f.length / SECONDS) * 10) / 10,
    frame_ms: { p50: round(percentile(f, 50)), p95: round(percentile(f, 95)), p99: round(percentile(f, 99)), max: round(Math.max(...f)) },
    frames_over_50ms: f.filter((x) => x > 50).length,
    long_tasks: sample.longTasks.length,
    long_task_ms_total: Math.round(sample.longTasks.reduce((a, x) => a + x, 0)),
    rows_added_to_feed: sample.rowsAdded,
    renderer_cpu_ms_per_s: { task: cpu('TaskDuration'), script: cpu('ScriptDuration'), layout: cpu('LayoutDuration'), style: cpu('RecalcStyleDuration') },
    js_heap_mb: Math.round((after.JSHeapUsedSize / 1048576) * 10) / 10,
  };
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, `smoothness-${RATE}.json`), JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result, null, 2));
} finally {
  await b.close();
  server.close();
  server.closeAllConnections?.();
}

function round(x) {
  return Math.round(x * 10) / 10;
}
