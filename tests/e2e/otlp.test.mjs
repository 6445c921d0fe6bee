// The OTLP/HTTP receiver (serve --otlp-listen) with clients no one here wrote: the OpenTelemetry JavaScript
// SDK's log exporters, OTLP/JSON (exporter-logs-otlp-http) and OTLP/protobuf (exporter-logs-otlp-proto,
// gzip-compressed), each sending the events and attributes Claude Code, Codex, Gemini CLI and Qwen Code
// document. Checks the rows in the store, that exporting the same events again adds nothing, that the rows
// stream live on /api/live/stream, and the receiver's refusals (400, 401, 413, 415) on raw requests.
// Loopback only; every wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { run, tmpdir, waitFor } from './harness.mjs';

const TOKEN = 'otlp-test-token';
let server, dir, store, otlpUrl, stream;

// /api/live/stream, read as text from the start of the test (rows are matched by their ids).
function openStream(url) {
  const s = { text: '', controller: new AbortController() };
  s.done = fetch(`${url}/api/live/stream`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: s.controller.signal })
    .then(async (res) => {
      assert.equal(res.status, 200);
      const decoder = new TextDecoder();
      for await (const chunk of res.body) s.text += decoder.decode(chunk, { stream: true });
    })
    .catch((e) => {
      if (e.name !== 'AbortError') throw e;
    });
  return s;
}

function sql(query) {
  const out = execFileSync('sqlite3', ['-json', store, query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

before(async () => {
  dir = tmpdir('agentpulse-otlp-');
  store = path.join(dir, 'store.db');
  const empty = path.join(dir, 'none');
  fs.mkdirSync(empty);
  server = await run(
    ['serve', '--host', '127.0.0.1', '--port', '0', '--otlp-listen', '127.0.0.1:0', '--token', TOKEN, '--store', store,
      '--claude-projects', empty, '--codex-sessions', empty, '--log-level', 'warn'],
    { waitListening: true },
  );
  const m = await waitFor(() => /otlp listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout), { what: 'otlp listening on' });
  otlpUrl = m[1];
  stream = openStream(server.url);
  await waitFor(() => stream.text.includes('event: ready'), { what: 'the stream to start' });
});

after(async () => {
  stream?.controller.abort();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Each agent's events as its telemetry writes them (../shared/AGENT_FORMATS.md): `tag` makes ids unique per
// encoding, so the JSON and protobuf rounds are told apart in the store.
function agentEvents(tag, t0) {
  return [
    {
      resource: { 'service.name': 'claude-code', 'service.version': '2.1.0', 'host.name': 'laptop-1' },
      scope: 'com.anthropic.claude_code.events',
      records: [
        { body: 'claude_code.api_request', time: t0, attributes: {
          'event.name': 'api_request', 'event.timestamp': new Date(t0).toISOString(), 'event.sequence': 1,
          'session.id': `claude-${tag}`, 'user.id': 'u-hash', 'user.email': 'ana@example.com', 'organization.id': 'org-1',
          'prompt.id': 'p-1', model: 'claude-sonnet-4-5', input_tokens: 1200, output_tokens: 340, cache_read_tokens: 50000,
          cache_creation_tokens: 800, cost_usd: 0.0512, duration_ms: 4100, request_id: `req_${tag}_1`, speed: 'normal' } },
        { body: 'claude_code.tool_result', time: t0 + 1000, attributes: {
          'event.name': 'tool_result', 'event.sequence': 2, 'session.id': `claude-${tag}`, tool_name: 'Bash',
          tool_use_id: `toolu_${tag}_1`, success: 'false', duration_ms: 2300, error: 'exit 1', decision_type: 'accept',
          tool_result_size_bytes: 120 } },
        { body: 'claude_code.user_prompt', time: t0, attributes: {
          'event.name': 'user_prompt', 'session.id': `claude-${tag}`, prompt_length: 42 } },
      ],
    },
    {
      resource: { 'service.name': 'codex_cli_rs', 'service.version': '0.60.1', 'host.name': 'buildbox' },
      scope: 'codex_otel',
      records: [
        { body: 'codex.sse_event', time: t0 + 2000, attributes: {
          'event.name': 'codex.sse_event', 'event.timestamp': new Date(t0 + 2000).toISOString(), 'event.kind': 'response.completed',
          'conversation.id': `codex-${tag}`, model: 'gpt-5-codex', input_token_count: 9000, cached_token_count: 8000,
          output_token_count: 700, reasoning_token_count: 300, tool_token_count: 0, duration_ms: 5100 } },
        { body: 'codex.sse_event', time: t0 + 2001, attributes: {
          'event.name': 'codex.sse_event', 'event.kind': 'response.output_text.delta', 'conversation.id': `codex-${tag}`,
          model: 'gpt-5-codex' } },
        { body: 'codex.tool_result', time: t0 + 3000, attributes: {
          'event.name': 'codex.tool_result', 'conversation.id': `codex-${tag}`, model: 'gpt-5-codex', tool_name: 'shell',
          call_id: `call_${tag}_1`, duration_ms: 1500, success: 'true' } },
      ],
    },
    {
      resource: { 'service.name': 'gemini-cli', 'service.version': '0.9.0', 'host.name': 'laptop-1' },
      scope: 'gemini-cli',
      records: [
        { body: 'API response from gemini-2.5-pro. Status: 200. Duration: 2100ms.', time: t0 + 4000, attributes: {
          'event.name': 'gemini_cli.api_response', 'event.timestamp': new Date(t0 + 4000).toISOString(),
          'session.id': `gemini-${tag}`, 'installation.id': 'inst-1', 'user.email': 'ana@example.com', model: 'gemini-2.5-pro',
          status_code: 200, duration_ms: 2100, input_token_count: 4000, output_token_count: 250,
          cached_content_token_count: 1000, thoughts_token_count: 90, tool_token_count: 12, total_token_count: 4352,
          prompt_id: `prompt-${tag}`, auth_type: 'oauth-personal' } },
        { body: 'Tool call: read_file. Decision: accept. Success: true. Duration: 37ms.', time: t0 + 5000, attributes: {
          'event.name': 'gemini_cli.tool_call', 'session.id': `gemini-${tag}`, function_name: 'read_file',
          function_args: '{"path":"README.md"}', duration_ms: 37, success: true, decision: 'accept', prompt_id: `prompt-${tag}`,
          tool_type: 'native' } },
      ],
    },
    {
      resource: { 'service.name': 'qwen-code', 'service.version': '0.1.0', 'host.name': 'buildbox' },
      scope: 'qwen-code',
      records: [
        { body: 'API response from qwen3-coder-plus.', time: t0 + 6000, attributes: {
          'event.name': 'qwen-code.api_response', 'session.id': `qwen-${tag}`, model: 'qwen3-coder-plus', duration_ms: 900,
          input_token_count: 3000, output_token_count: 100, cached_content_token_count: 0, thoughts_token_count: 0,
          tool_token_count: 0, prompt_id: `qp-${tag}` } },
        { body: 'Tool call: run_shell_command.', time: t0 + 7000, attributes: {
          'event.name': 'qwen-code.tool_call', 'session.id': `qwen-${tag}`, function_name: 'run_shell_command',
          duration_ms: 2500, success: false, prompt_id: `qp-${tag}` } },
      ],
    },
  ];
}

// Emits every agent's events through the SDK: one LoggerProvider per agent (its resource), the given
// exporter, flushed before returning.
async function emit(makeExporter, tag, t0) {
  for (const agent of agentEvents(tag, t0)) {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes(agent.resource),
      processors: [new SimpleLogRecordProcessor({ exporter: makeExporter() })],
    });
    const logger = provider.getLogger(agent.scope);
    for (const r of agent.records) logger.emit({ body: r.body, timestamp: r.time, attributes: r.attributes });
    await provider.forceFlush();
    await provider.shutdown();
  }
}

const exporters = {
  json: () => new JsonLogExporter({ url: `${otlpUrl}/v1/logs`, headers: { Authorization: `Bearer ${TOKEN}` } }),
  protobuf: () =>
    new ProtoLogExporter({ url: `${otlpUrl}/v1/logs`, headers: { Authorization: `Bearer ${TOKEN}` }, compression: 'gzip' }),
};

function rowsFor(tag) {
  return {
    usage: sql(`SELECT u.provider, u.model, u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_create_tokens,
                  u.reasoning_tokens, u.cost_usd, u.cost_source, u.dedup_key, s.session_id, u.machine,
                  coalesce(u.user_name, '') AS user_name, s.machine AS session_machine
                FROM usage_events u JOIN sessions s ON s.id = u.session_id
                WHERE s.session_id LIKE '%-${tag}' ORDER BY u.provider`),
    tools: sql(`SELECT t.provider, t.tool_name, t.tool_use_id, t.latency_ms, t.is_error, t.ts_ms, t.result_ts
                FROM message_tool_mart t JOIN sessions s ON s.id = t.session_id
                WHERE s.session_id LIKE '%-${tag}' ORDER BY t.provider`),
  };
}

for (const encoding of ['json', 'protobuf']) {
  test(`the SDK's ${encoding} exporter: every agent's events land once and stream live`, async () => {
    const tag = encoding;
    const t0 = Date.UTC(2026, 11, 7, 9, encoding === 'json' ? 0 : 30, 0);
    await emit(exporters[encoding], tag, t0);

    const rows = await waitFor(() => {
      const r = rowsFor(tag);
      return r.usage.length === 4 && r.tools.length === 4 && r.tools.every((t) => t.result_ts) ? r : null;
    }, { what: `${encoding} rows in the store` });

    const usage = Object.fromEntries(rows.usage.map((u) => [u.provider, u]));
    assert.deepEqual(
      { model: usage.claude.model, input: usage.claude.input_tokens, output: usage.claude.output_tokens,
        cacheRead: usage.claude.cache_read_tokens, cacheCreate: usage.claude.cache_create_tokens,
        cost: usage.claude.cost_usd, source: usage.claude.cost_source, key: usage.claude.dedup_key },
      { model: 'claude-sonnet-4-5', input: 1200, output: 340, cacheRead: 50000, cacheCreate: 800, cost: 0.0512,
        source: 'reported', key: `claude:otel:req_${tag}_1` });
    assert.deepEqual(
      [usage.codex.input_tokens, usage.codex.cache_read_tokens, usage.codex.output_tokens, usage.codex.reasoning_tokens],
      [1000, 8000, 700, 300]);  // Codex's input count includes the cached part
    assert.deepEqual(
      [usage.gemini.input_tokens, usage.gemini.cache_read_tokens, usage.gemini.output_tokens, usage.gemini.reasoning_tokens],
      [3012, 1000, 340, 90]);  // input - cached + tool prompt; thoughts billed as output
    assert.equal(usage.qwen.input_tokens, 3000);
    assert.ok(usage.codex.cost_usd > 0, 'Codex usage is priced by the price card');
    // The machine is the resource's host.name; the user user.email, else user.id (none for Codex here).
    assert.deepEqual([usage.claude.machine, usage.claude.session_machine, usage.claude.user_name],
      ['laptop-1', 'laptop-1', 'ana@example.com']);
    assert.deepEqual([usage.codex.machine, usage.gemini.machine, usage.qwen.machine], ['buildbox', 'laptop-1', 'buildbox']);

    const tools = Object.fromEntries(rows.tools.map((t) => [t.provider, t]));
    assert.deepEqual([tools.claude.tool_use_id, tools.claude.tool_name, tools.claude.latency_ms, tools.claude.is_error],
      [`toolu_${tag}_1`, 'Bash', 2300, 1]);
    assert.equal(tools.claude.ts_ms, t0 + 1000 - 2300);  // the call started duration_ms before its event
    assert.deepEqual([tools.codex.tool_use_id, tools.codex.latency_ms, tools.codex.is_error], [`call_${tag}_1`, 1500, 0]);
    assert.deepEqual([tools.gemini.tool_name, tools.gemini.latency_ms, tools.gemini.is_error], ['read_file', 37, 0]);
    assert.deepEqual([tools.qwen.tool_name, tools.qwen.latency_ms, tools.qwen.is_error], ['run_shell_command', 2500, 1]);

    // Live: the rows stream like transcript rows.
    await waitFor(
      () => [`claude-${tag}`, `codex-${tag}`, `gemini-${tag}`, `qwen-${tag}`].every((s) => stream.text.includes(`"session_id":"${s}"`)) &&
        stream.text.includes(`"tool_use_id":"toolu_${tag}_1"`) && stream.text.includes('event: tool_result'),
      { what: `${encoding} rows on /api/live/stream` });

    // The same export again (an exporter's retry, a Collector's duplicate) adds nothing.
    const before = sql('SELECT (SELECT count(*) FROM usage_events) AS u, (SELECT count(*) FROM message_tool_mart) AS t, ' +
      '(SELECT coalesce(max(result_seq), 0) FROM message_tool_mart) AS r')[0];
    await emit(exporters[encoding], tag, t0);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    const requests = Number(/agentpulse_otlp_requests_total\{signal="logs"\} (\d+)/.exec(metrics)[1]);
    assert.ok(requests >= (encoding === 'json' ? 8 : 16), `the second export was received (${requests} requests)`);
    const afterRows = sql('SELECT (SELECT count(*) FROM usage_events) AS u, (SELECT count(*) FROM message_tool_mart) AS t, ' +
      '(SELECT coalesce(max(result_seq), 0) FROM message_tool_mart) AS r')[0];
    assert.deepEqual(afterRows, before);
    assert.match(metrics, /agentpulse_otlp_events_dropped_total\{event="claude_code\.user_prompt"\} [1-9]/);
    // The exporters really sent their encodings (the protobuf one gzip-compressed).
    const counted = (re) => Number(re.exec(metrics)[1]);
    assert.ok(counted(/agentpulse_otlp_encoding_requests_total\{encoding="json"\} (\d+)/) >= 8);
    if (encoding === 'protobuf') {
      assert.ok(counted(/agentpulse_otlp_encoding_requests_total\{encoding="protobuf"\} (\d+)/) >= 8);
      assert.ok(counted(/agentpulse_otlp_gzip_requests_total (\d+)/) >= 8);
    }
    assert.match(metrics, /agentpulse_otlp_events_dropped_total\{event="codex\.sse_event"\} [1-9]/);
  });
}

// What `agentpulse --forward` sends (docs/teams.md), here through the SDK's exporters as a Collector would
// relay it: the rows land with the sending machine's natural keys, cost and source, machine and user, and
// sending them again adds nothing.
for (const encoding of ['json', 'protobuf']) {
  test(`forwarded agentpulse.* events through the SDK's ${encoding} exporter map back one-to-one`, async () => {
    const t0 = Date.UTC(2026, 11, 7, 11, encoding === 'json' ? 0 : 30, 0);
    const session = `fwd-${encoding}`;
    const common = { 'agentpulse.provider': 'claude', 'session.id': session, 'agentpulse.project.slug': '-home-ana-shop',
      'agentpulse.project.name': 'shop', 'app.version': '2.1.3' };
    const records = [
      { name: 'agentpulse.usage', time: t0, attributes: { ...common, 'agentpulse.dedup_key': `claude:msg_${encoding}:req_1`,
        model: 'claude-sonnet-4-5', input_tokens: 12, output_tokens: 340, cache_read_tokens: 50000, cache_creation_tokens: 800,
        cache_creation_1h_tokens: 200, reasoning_tokens: 0, cost_usd: 0.0421, 'agentpulse.cost_source': 'rate_card' } },
      { name: 'agentpulse.tool_call', time: t0 + 10, attributes: { ...common, tool_use_id: `toolu_fwd_${encoding}`,
        tool_name: 'Edit', 'agentpulse.call_index': 1, 'agentpulse.file_path': '/home/ana/shop/a.ts', 'agentpulse.byte_count': 120,
        'agentpulse.result_time_ms': t0 + 1510, 'agentpulse.is_error': false, tool_result_size_bytes: 64, duration_ms: 1500 } },
      { name: 'agentpulse.session', time: t0 + 2000, attributes: { ...common, 'agentpulse.started_at_ms': t0 - 60000,
        'agentpulse.last_at_ms': t0 + 2000, 'agentpulse.place_at_ms': t0 - 60000, 'agentpulse.cwd': '/home/ana/shop',
        'agentpulse.git_branch': 'main', model: 'claude-sonnet-4-5' } },
    ];
    const send = async () => {
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'agentpulse', 'host.name': 'laptop-7', 'enduser.id': 'ana' }),
        processors: [new SimpleLogRecordProcessor({ exporter: exporters[encoding]() })],
      });
      const logger = provider.getLogger('agentpulse');
      for (const r of records) logger.emit({ eventName: r.name, body: r.name, timestamp: r.time, attributes: { 'event.name': r.name, ...r.attributes } });
      await provider.forceFlush();
      await provider.shutdown();
    };
    await send();
    const q = () => ({
      usage: sql(`SELECT u.dedup_key, u.input_tokens, u.cache_create_1h_tokens, u.cost_usd, u.cost_source, u.machine, u.user_name
                  FROM usage_events u JOIN sessions s ON s.id = u.session_id WHERE s.session_id = '${session}'`),
      tools: sql(`SELECT t.tool_use_id, t.call_index, t.file_path, t.byte_count, t.latency_ms, t.is_error, t.result_bytes, t.machine
                  FROM message_tool_mart t JOIN sessions s ON s.id = t.session_id WHERE s.session_id = '${session}'`),
      session: sql(`SELECT s.cwd, s.git_branch, s.cli_version, s.model, s.machine, s.user_name, s.started_at, p.slug
                    FROM sessions s JOIN projects p ON p.id = s.project_id WHERE s.session_id = '${session}'`),
    });
    const rows = await waitFor(() => {
      const r = q();
      return r.usage.length === 1 && r.tools.length === 1 && r.session.length === 1 && r.session[0].cwd ? r : null;
    }, { what: `forwarded ${encoding} rows in the store` });
    assert.deepEqual(rows.usage[0], { dedup_key: `claude:msg_${encoding}:req_1`, input_tokens: 12, cache_create_1h_tokens: 200,
      cost_usd: 0.0421, cost_source: 'rate_card', machine: 'laptop-7', user_name: 'ana' });
    assert.deepEqual(rows.tools[0], { tool_use_id: `toolu_fwd_${encoding}`, call_index: 1, file_path: '/home/ana/shop/a.ts',
      byte_count: 120, latency_ms: 1500, is_error: 0, result_bytes: 64, machine: 'laptop-7' });
    assert.deepEqual(rows.session[0], { cwd: '/home/ana/shop', git_branch: 'main', cli_version: '2.1.3', model: 'claude-sonnet-4-5',
      machine: 'laptop-7', user_name: 'ana', started_at: new Date(t0 - 60000).toISOString(), slug: '-home-ana-shop' });
    await send();
    const count = () => sql(`SELECT (SELECT count(*) FROM usage_events) AS u, (SELECT count(*) FROM message_tool_mart) AS t`)[0];
    const before = count();
    await send();
    assert.deepEqual(q(), rows);
    assert.deepEqual(count(), before);
  });
}

async function post(body, headers = {}) {
  const res = await fetch(`${otlpUrl}/v1/logs`, {
    method: 'POST', body, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

test('raw requests: malformed 400 (nothing stored), unauthorized 401, too large 413, other media 415, metrics and traces 200', async () => {
  const rowsBefore = sql('SELECT count(*) AS n FROM usage_events')[0].n;
  // A good api_request followed by a record whose time is not an integer: the whole body is refused.
  const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [
    { timeUnixNano: '1765100000000000000', attributes: [
      { key: 'event.name', value: { stringValue: 'claude_code.api_request' } }, { key: 'session.id', value: { stringValue: 'raw' } },
      { key: 'model', value: { stringValue: 'claude-sonnet-4-5' } }, { key: 'request_id', value: { stringValue: 'req_raw' } }] },
    { timeUnixNano: 'yesterday' }] }] }] });
  let r = await post(body);
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.text).message, /logRecords\[1\]\.timeUnixNano: not an integer/);
  r = await post('{"resourceLogs": [', { 'Content-Encoding': 'gzip' });
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.text).message, /gzip/);
  assert.equal(sql('SELECT count(*) AS n FROM usage_events')[0].n, rowsBefore);

  r = await post('{}', { Authorization: 'Bearer wrong' });
  assert.equal(r.status, 401);
  r = await post('{}', { Authorization: '' });
  assert.equal(r.status, 401);

  // Over the 8 MiB body limit: refused on its Content-Length, before the body is read (a raw socket: a
  // client still sending when the answer comes may see its write fail instead of the answer).
  const status = await new Promise((resolve, reject) => {
    const url = new URL(otlpUrl);
    const sock = net.connect(Number(url.port), url.hostname, () =>
      sock.write(`POST /v1/logs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${9 * 1024 * 1024}\r\n\r\n{`));
    let got = '';
    sock.setTimeout(5000, () => reject(new Error('no answer to an oversized body')));
    sock.on('data', (d) => {
      got += d;
      const m = /^HTTP\/1\.1 (\d+)/.exec(got);
      if (m) {
        sock.destroy();
        resolve(Number(m[1]));
      }
    });
    sock.on('error', reject);
  });
  assert.equal(status, 413);
  // A gzip bomb: 1 GiB of zeros would inflate past the limit; refused before it fills memory.
  const bomb = zlib.gzipSync(Buffer.alloc(80 * 1024 * 1024));
  r = await post(bomb, { 'Content-Encoding': 'gzip' });
  assert.equal(r.status, 413);

  r = await post('{}', { 'Content-Type': 'text/plain' });
  assert.equal(r.status, 415);
  r = await post('{}', { 'Content-Encoding': 'br' });
  assert.equal(r.status, 415);

  const ok = await post('{}');
  assert.deepEqual([ok.status, ok.text], [200, '{}']);
  const partial = await post(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [
    { timeUnixNano: '1765100000000000000', attributes: [{ key: 'event.name', value: { stringValue: 'codex.tool_result' } }] }] }] }] }));
  assert.equal(partial.status, 200);
  assert.equal(JSON.parse(partial.text).partialSuccess.rejectedLogRecords, '1');

  for (const [pathname, payload] of [
    ['/v1/metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'claude_code.token.usage', sum: { dataPoints: [{ asDouble: 5 }] } }] }] }] }],
    ['/v1/traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'qwen-code.tool', traceId: '5b8efff798038103d269b633813fc60c' }] }] }] }],
  ]) {
    const res = await fetch(`${otlpUrl}${pathname}`, { method: 'POST', body: JSON.stringify(payload),
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } });
    assert.deepEqual([res.status, await res.text()], [200, '{}']);
  }
  const get = await fetch(`${otlpUrl}/v1/logs`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(get.status, 405);
});
