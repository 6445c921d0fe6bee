#!/usr/bin/env node
// OTLP receiver throughput: starts `agentpulse serve --otlp-listen 127.0.0.1:0` on a fresh store, then posts
// log exports from many simulated machines (each its own host.name and sessions; Claude Code's api_request
// and tool_result events in equal parts, as an agent sends them) with several requests in flight, and prints
// the log records per second the store took. A request is answered after its rows are committed, so the
// last answer is the moment everything is in the store. Then it posts a burst of everything again without
// waiting (1,200 requests at once) and counts how many were told 429 (back-pressure) instead of queued
// without bound.
//
//   node bench/otlp/otlp-bench.mjs [--bin build/agentpulse] [--machines 50] [--records 200000]
//                                  [--batch 500] [--inflight 8] [--encoding json|protobuf] [--gzip] [--queue 50000]
// Loopback only; no npm package needed (Node 18+). Figures: docs/PERFORMANCE.md, "OTLP receiver".
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return acc;
  }, []),
);
const bin = args.bin ?? 'build/agentpulse';
const machines = Number(args.machines ?? 50);
const totalRecords = Number(args.records ?? 200_000);
const batch = Number(args.batch ?? 500);
const inflight = Number(args.inflight ?? 8);
const encoding = args.encoding ?? 'json';
const gzip = args.gzip === 'true';
const queue = Number(args.queue ?? 50_000);  // --otlp-queue-records

// ---- bodies --------------------------------------------------------------------------------------
class Pb {
  constructor() { this.parts = []; }
  varint(v) {
    const out = [];
    let n = BigInt(v);
    while (n >= 0x80n) { out.push(Number((n & 0x7fn) | 0x80n)); n >>= 7n; }
    out.push(Number(n));
    this.parts.push(Buffer.from(out));
    return this;
  }
  tag(field, wire) { return this.varint((field << 3) | wire); }
  bytes(field, b) { const buf = Buffer.isBuffer(b) ? b : Buffer.from(b); this.tag(field, 2).varint(buf.length); this.parts.push(buf); return this; }
  msg(field, m) { return this.bytes(field, m.done()); }
  fixed64(field, v) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.tag(field, 1); this.parts.push(b); return this; }
  done() { return Buffer.concat(this.parts); }
}
function pbAny(v) {
  if (typeof v !== 'number') return new Pb().bytes(1, String(v));
  if (Number.isInteger(v)) return new Pb().tag(3, 0).varint(v);
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  const p = new Pb().tag(4, 1);
  p.parts.push(b);
  return p;
}
const pbKv = (k, v) => new Pb().bytes(1, k).msg(2, pbAny(v));

function events(machine, seq, n, t0) {
  const out = [];
  for (let i = 0; i < n; ++i) {
    const k = seq + i;
    const session = `m${machine}-s${Math.floor(k / 200)}`;
    const time = t0 + k * 10;
    if (k % 2 === 0) {
      out.push({ body: 'claude_code.api_request', time, attributes: {
        'event.name': 'api_request', 'session.id': session, 'event.sequence': k, model: 'claude-sonnet-4-5',
        input_tokens: 1000 + (k % 97), output_tokens: 200 + (k % 31), cache_read_tokens: 30000, cache_creation_tokens: 500,
        cost_usd: 0.02, duration_ms: 3000, request_id: `req_m${machine}_${k}` } });
    } else {
      out.push({ body: 'claude_code.tool_result', time, attributes: {
        'event.name': 'tool_result', 'session.id': session, 'event.sequence': k, tool_name: k % 3 ? 'Bash' : 'Read',
        tool_use_id: `toolu_m${machine}_${k}`, success: 'true', duration_ms: 40 + (k % 500) } });
    }
  }
  return out;
}

function body(machine, records) {
  const resource = { 'service.name': 'claude-code', 'host.name': `machine-${machine}` };
  if (encoding === 'protobuf') {
    const scope = new Pb().msg(1, new Pb().bytes(1, 'com.anthropic.claude_code.events'));
    for (const r of records) {
      const lr = new Pb().fixed64(1, BigInt(r.time) * 1_000_000n).msg(5, new Pb().bytes(1, r.body));
      for (const [k, v] of Object.entries(r.attributes)) lr.msg(6, pbKv(k, v));
      scope.msg(2, lr);
    }
    const res = new Pb();
    for (const [k, v] of Object.entries(resource)) res.msg(1, pbKv(k, v));
    return new Pb().msg(1, new Pb().msg(1, res).msg(2, scope)).done();
  }
  const attr = (k, v) => ({ key: k, value: typeof v !== 'number' ? { stringValue: String(v) }
    : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } });
  return Buffer.from(JSON.stringify({ resourceLogs: [{
    resource: { attributes: Object.entries(resource).map(([k, v]) => attr(k, v)) },
    scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events' }, logRecords: records.map((r) => ({
      timeUnixNano: String(BigInt(r.time) * 1_000_000n), body: { stringValue: r.body },
      attributes: Object.entries(r.attributes).map(([k, v]) => attr(k, v)) })) }] }] }));
}

// ---- the server ----------------------------------------------------------------------------------
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpulse-otlp-bench-'));
const empty = path.join(dir, 'none');
fs.mkdirSync(empty);
const env = { ...process.env, HOME: dir };
for (const k of Object.keys(env)) if (k.startsWith('AGENTPULSE_')) delete env[k];
const proc = spawn(bin, ['serve', '--port', '0', '--otlp-listen', '127.0.0.1:0', '--store', path.join(dir, 'store.db'), '--otlp-queue-records', String(queue),
  '--log-level', 'error'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let stdout = '';
proc.stdout.on('data', (d) => (stdout += d));
const otlp = await new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('the server did not start in 20 s')), 20_000);
  const check = () => {
    const m = /otlp listening on (http:\/\/[^\s]+)/.exec(stdout);
    if (m) { clearTimeout(t); resolve(m[1]); }
  };
  proc.stdout.on('data', check);
});

// The server's CPU time so far (user + system), in seconds: on a shared machine the wall-clock rate depends
// on what else runs, the records per CPU-second of the server do not (much).
function serverCpuSeconds() {
  const fields = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in clock ticks (USER_HZ 100)
}

async function post(b) {
  const headers = { 'Content-Type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json' };
  if (gzip) headers['Content-Encoding'] = 'gzip';
  const res = await fetch(`${otlp}/v1/logs`, { method: 'POST', body: b, headers });
  await res.arrayBuffer();
  return res.status;
}

try {
  // Bodies made up front: the figure is the server's, not this script's JSON.
  const perMachine = Math.ceil(totalRecords / machines);
  const bodies = [];
  const t0 = Date.UTC(2026, 11, 7, 8, 0, 0);
  for (let seq = 0; seq < perMachine; seq += batch)
    for (let m = 0; m < machines; ++m) {
      const b = body(m, events(m, seq, Math.min(batch, perMachine - seq), t0));
      bodies.push(gzip ? zlib.gzipSync(b) : b);
    }
  const records = perMachine * machines;
  const bytes = bodies.reduce((n, b) => n + b.length, 0);

  let next = 0, refused = 0;
  const cpuBefore = serverCpuSeconds();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (next < bodies.length) {
      const b = bodies[next++];
      for (let tries = 0; ; ++tries) {
        const status = await post(b);
        if (status === 200) break;
        if ((status !== 429 && status !== 503) || tries > 100) throw new Error(`answer ${status}`);
        ++refused;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = serverCpuSeconds() - cpuBefore;
  const stored = execFileSync('sqlite3', [path.join(dir, 'store.db'),
    'SELECT (SELECT count(*) FROM usage_events) + (SELECT count(*) FROM message_tool_mart)'], { encoding: 'utf8' }).trim();
  console.log(`otlp ${encoding}${gzip ? '+gzip' : ''}: ${records} log records from ${machines} machines in ${bodies.length} ` +
    `requests of ${batch} (${(bytes / 1e6).toFixed(1)} MB), ${inflight} in flight: ${seconds.toFixed(2)} s, ` +
    `${Math.round(records / seconds)} records/s into the store (${stored} rows; ${refused} retried after 429/503); ` +
    `server CPU ${cpu.toFixed(2)} s: ${Math.round(records / cpu)} records per CPU-second; load ${os.loadavg()[0].toFixed(1)}`);

  // Back-pressure: everything again at once (a Collector's retry storm); bounded queue, so some get 429.
  // 1,200 requests (600,000 records at the default batch) against the queue (--queue records).
  const burst = Array.from({ length: 1200 }, (_, i) => bodies[i % bodies.length]);
  const statuses = await Promise.all(burst.map((b) => post(b).catch(() => 0)));
  const count = (s) => statuses.filter((x) => x === s).length;
  console.log(`burst of ${statuses.length} requests at once: ${count(200)} x 200, ${count(429)} x 429, ` +
    `${count(503)} x 503, ${count(0)} failed; rss of the server ${execFileSync('ps', ['-o', 'rss=', '-p', String(proc.pid)], { encoding: 'utf8' }).trim()} KiB`);
} finally {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}
